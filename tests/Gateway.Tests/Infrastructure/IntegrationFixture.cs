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

/// <summary>
/// The classes that share one <see cref="IntegrationFixture"/> and run one at a time, alone, after the classes that run in
/// parallel: they count process-wide telemetry (the gateway's meter and activity source are static, so a gateway of
/// another class would add to their counts) or measure wall-clock deadlines that a busy CPU would stretch. A class that
/// needs neither takes the fixture as <c>IClassFixture&lt;IntegrationFixture&gt;</c> instead: its own identity provider,
/// downstream and redis-server, in parallel with the other classes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection : ICollectionFixture<IntegrationFixture>
{
    public const string Name = "integration";
}
