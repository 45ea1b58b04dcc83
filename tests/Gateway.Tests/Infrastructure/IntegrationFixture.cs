namespace Gateway.Tests.Infrastructure;

/// <summary>One identity provider, one downstream and one redis-server shared by the integration tests.</summary>
public sealed class IntegrationFixture : IAsyncLifetime
{
    public TestIdentityProvider Idp { get; private set; } = null!;

    public RecordingDownstream Downstream { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = new RedisServer();
        Idp = await TestIdentityProvider.StartAsync();
        Downstream = await RecordingDownstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Downstream.DisposeAsync();
        await Idp.DisposeAsync();
        Redis.Dispose();
    }

    /// <summary>A standard configuration: the test issuer through discovery, route <c>/api/**</c> on the default policy.</summary>
    public TestConfig Config() => new(this);
}

[CollectionDefinition(Name)]
public sealed class IntegrationCollection : ICollectionFixture<IntegrationFixture>
{
    public const string Name = "integration";
}
