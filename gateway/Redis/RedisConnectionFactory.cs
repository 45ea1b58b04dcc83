using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// Owns the one Redis connection of the process. It connects in the background and never fails the
/// caller: with <c>abortConnect=false</c> StackExchange.Redis keeps retrying, and a missing Redis
/// only means the shared cache reads as empty.
/// </summary>
public sealed class RedisConnectionFactory : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;

    public RedisConnectionFactory(string configuration, RedisTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = ConfigurationOptions.Parse(configuration);
        tls?.Apply(options);
        options.AbortOnConnectFail = false;
        // Bounded waits: a slow Redis must not hold a key load longer than its fetch budget.
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);

        // StackExchange.Redis subscribes to a broadcast channel (__Booksleeve_MasterChanged) through which
        // clients ask each other to reconfigure. The gateway never sends such a broadcast; subscribing would
        // only need one more ACL grant, which would also let the gateway publish to every other client's
        // channel. Off unless the configuration string sets configChannel itself.
        if (!configuration.Contains("configChannel=", StringComparison.OrdinalIgnoreCase))
        {
            options.ConfigurationChannel = "";
        }

        // The gateway never uses CONFIG; StackExchange.Redis reads a few settings with CONFIG GET at connect and
        // has defaults for them. A user allowed CONFIG GET can read the server's whole configuration, passwords
        // included, so a least-privilege ACL leaves it out: the client is told not to send it. Not changed when
        // the configuration string maps commands itself ($NAME=...), nor through Sentinel (untested there).
        if (options.ServiceName is null && !configuration.Split(',').Any(part => part.TrimStart().StartsWith('$')))
        {
            options.CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "CONFIG" }, available: false);
        }
        _connection = new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    public Task<IConnectionMultiplexer> GetConnectionAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var connection = await _connection.Value.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
