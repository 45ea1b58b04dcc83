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
/// parallel: those that assert wall-clock deadlines a busy CPU would stretch past what they guard (a request answered
/// within 1 s while Redis hangs, a key on every replica within 1 s, a fleet that fetches once while its peers wait,
/// requests counted per rate-limit window, a process exiting within its drain time). Each says why in its comment. Every
/// other class takes the fixture as <c>IClassFixture&lt;IntegrationFixture&gt;</c> instead: its own identity provider,
/// downstream and redis-server, in parallel with the other classes. Telemetry is no reason to be here: each gateway
/// host has its own meter, and <see cref="TelemetryCapture"/> reads only its own gateway's metrics and traces.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection : ICollectionFixture<IntegrationFixture>
{
    public const string Name = "integration";
}
