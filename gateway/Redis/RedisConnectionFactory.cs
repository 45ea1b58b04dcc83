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

    public RedisConnectionFactory(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        // Bounded waits: a slow Redis must not hold a key load longer than its fetch budget.
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
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
