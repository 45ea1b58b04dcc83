using Gateway.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Revocation;

/// <summary>
/// The fleet's revocations in Redis, under the gateway's key prefix:
/// <list type="bullet">
/// <item><c>{prefix}revocations</c>: a hash, field = the entry's id, value = the entry (JSON);</item>
/// <item><c>{prefix}revocations:expiry</c>: a sorted set, member = the id, score = its expiry (Unix ms). Each write
/// deletes expired entries from both, and both keys expire (<c>PEXPIREAT</c>) with the last entry;</item>
/// <item>channel <c>{prefix}revocations-changed</c>: a notice after every change; replicas then re-read the hash.</item>
/// </list>
/// Every call is bounded by the operation timeout and never throws: a read that fails returns null (the caller
/// keeps what it has), a write that fails returns false.
/// </summary>
internal sealed partial class RedisRevocationStore
{
    private readonly RedisConnectionFactory _connections;
    private readonly string _prefix;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _hooked;

    public RedisRevocationStore(RedisConnectionFactory connections, string prefix, TimeSpan operationTimeout, TimeProvider time, ILogger<RedisRevocationStore> logger)
    {
        _connections = connections;
        _prefix = prefix;
        _operationTimeout = operationTimeout;
        _time = time;
        _logger = logger;
    }

    /// <summary>A change notice arrived (from any replica or the <c>revoke</c> command).</summary>
    public event Action? Changed;

    /// <summary>The connection came back after a failure: what changed meanwhile must be read again.</summary>
    public event Action? Reconnected;

    /// <summary>The connection failed: notices may be lost until it comes back.</summary>
    public event Action? Disconnected;

    public RedisKey EntriesKey => _prefix + "revocations";

    public RedisKey ExpiryKey => _prefix + "revocations:expiry";

    public RedisChannel Channel => RedisChannel.Literal(_prefix + "revocations-changed");

    /// <summary>Whether the connection is up now (false before it was ever made).</summary>
    public bool IsConnected { get; private set; }

    /// <summary>Every entry in force, or null when Redis could not be read.</summary>
    public async Task<IReadOnlyList<RevocationEntry>?> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return null;
            }

            var fields = await database.HashGetAllAsync(EntriesKey).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var entries = new List<RevocationEntry>(fields.Length);
            foreach (var field in fields)
            {
                if (RevocationJson.Deserialize(field.Value.ToString()) is { } entry && entry.Id == field.Name.ToString())
                {
                    if (entry.ExpiresAt > now)
                    {
                        entries.Add(entry);
                    }
                }
                else
                {
                    Log.EntryIgnored(_logger);
                }
            }

            return entries;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "read", ex.GetType().Name, ex is RedisServerException ? ex.Message : "");
            return null;
        }
    }

    /// <summary>Stores the entry (replacing one with the same id), drops expired ones and notifies every replica.</summary>
    public async Task<bool> AddAsync(RevocationEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return await WriteAsync(
            "write",
            database => database.ScriptEvaluateAsync(AddScript, [EntriesKey, ExpiryKey], [entry.Id, RevocationJson.Serialize(entry), entry.ExpiresAt.ToUnixTimeMilliseconds(), _time.GetUtcNow().ToUnixTimeMilliseconds()]),
            cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Removes the entry; null when Redis could not be reached, else whether it existed.</summary>
    public async Task<bool?> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        var result = await WriteAsync("remove", database => database.ScriptEvaluateAsync(RemoveScript, [EntriesKey, ExpiryKey], [id]), cancellationToken).ConfigureAwait(false);
        return result is null ? null : (long)result > 0;
    }

    /// <summary>Subscribes to change notices (the client re-subscribes by itself after a reconnect); false when Redis is not reachable yet.</summary>
    public async Task<bool> SubscribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _connections.GetConnectionAsync().WaitAsync(RedisSharedKeyStore.ConnectWait, cancellationToken).ConfigureAwait(false);
            Hook(connection);
            if (!connection.IsConnected)
            {
                return false;
            }

            await connection.GetSubscriber().SubscribeAsync(Channel, (_, _) => Changed?.Invoke()).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "subscribe", ex.GetType().Name, ex is RedisServerException ? ex.Message : "");
            return false;
        }
    }

    // KEYS[1] hash, KEYS[2] expiry index; ARGV[1] id, ARGV[2] entry, ARGV[3] its expiry (ms), ARGV[4] now (ms).
    private const string AddScript = """
        redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
        redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
        local expired = redis.call('zrangebyscore', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 1000)
        for _, id in ipairs(expired) do
          redis.call('hdel', KEYS[1], id)
          redis.call('zrem', KEYS[2], id)
        end
        local last = redis.call('zrange', KEYS[2], -1, -1, 'WITHSCORES')
        if last[2] then
          redis.call('pexpireat', KEYS[1], last[2])
          redis.call('pexpireat', KEYS[2], last[2])
        end
        return 1
        """;

    // KEYS[1] hash, KEYS[2] expiry index; ARGV[1] id.
    private const string RemoveScript = """
        redis.call('zrem', KEYS[2], ARGV[1])
        return redis.call('hdel', KEYS[1], ARGV[1])
        """;

    private async Task<RedisResult?> WriteAsync(string operation, Func<IDatabase, Task<RedisResult>> write, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return null;
            }

            var result = await write(database).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
            await database.PublishAsync(Channel, "changed").WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, operation, ex.GetType().Name, ex is RedisServerException ? ex.Message : "");
            return null;
        }
    }

    private async Task<IDatabase?> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.GetConnectionAsync().WaitAsync(RedisSharedKeyStore.ConnectWait, cancellationToken).ConfigureAwait(false);
        Hook(connection);
        return connection.IsConnected ? connection.GetDatabase() : null;
    }

    private void Hook(IConnectionMultiplexer connection)
    {
        IsConnected = connection.IsConnected;
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            connection.ConnectionFailed += (_, _) =>
            {
                IsConnected = false;
                Disconnected?.Invoke();
            };
            connection.ConnectionRestored += (_, _) =>
            {
                IsConnected = true;
                Reconnected?.Invoke();
            };
        }
    }

    private static bool IsUnavailable(Exception ex) =>
        ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.RevocationStoreUnavailable, LogLevel.Warning, "Redis revocation {Operation} failed: {ErrorType} {RedisError}. Revocations in memory stay in force; retrying.")]
        public static partial void Unavailable(ILogger logger, string operation, string errorType, string redisError);

        [LoggerMessage(Observability.EventIds.RevocationEntryIgnored, LogLevel.Warning, "A Redis revocation entry is not a valid revocation (or its field is not its id) and was ignored.")]
        public static partial void EntryIgnored(ILogger logger);
    }
}
