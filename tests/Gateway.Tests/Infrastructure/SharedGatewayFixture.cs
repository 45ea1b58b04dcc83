namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One gateway for a whole test class, on the class's own identity provider, downstream and redis-server
/// (<see cref="Integration"/>), for classes whose tests only send requests to it: starting a gateway per test cost more
/// than the tests. The first test starts it (with the class's own configuration); the class clears the
/// <see cref="RecordingDownstream"/> before each test, so each test still sees only what it forwarded. A test that
/// changes the gateway (rewrites its configuration, rotates keys, counts limits) starts a gateway of its own.
/// </summary>
public sealed class SharedGatewayFixture : IAsyncLifetime
{
    private readonly Lock _gate = new();
    private Task<GatewayInstance>? _gateway;

    public IntegrationFixture Integration { get; } = new();

    /// <summary>The class's gateway, started by <paramref name="start"/> the first time it is asked for.</summary>
    public Task<GatewayInstance> GatewayAsync(Func<Task<GatewayInstance>> start)
    {
        lock (_gate)
        {
            return _gateway ??= start();
        }
    }

    public Task InitializeAsync() => Integration.InitializeAsync();

    public async Task DisposeAsync()
    {
        try
        {
            if (_gateway is { IsCompletedSuccessfully: true })
            {
                await (await _gateway).DisposeAsync();
            }
        }
        finally
        {
            await Integration.DisposeAsync();
        }
    }
}
