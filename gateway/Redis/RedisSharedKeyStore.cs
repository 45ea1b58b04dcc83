using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Gateway.Keys;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// The Redis level of the key cache. Per (issuer, source):
/// <list type="bullet">
/// <item><c>{prefix}keys:{issuer}:{hash}</c>: the signed entry (JWKS, fetch time, max-age, issuer, source);</item>
/// <item><c>{prefix}lease:{purpose}:{issuer}:{hash}</c>: fetch leases (<c>SET NX PX</c>, value the holder's instance id): <c>load</c> (held during a scheduled or first load, deleted once published) and <c>kid</c> (one unknown-kid fetch per interval for the fleet, never released early). The holder marks how its fetch ended (<c>{id}|done</c>, <c>{id}|failed</c>, expiry kept) so waiting replicas stop waiting;</item>
/// <item>channel <c>{prefix}keys-changed</c>: "issuer\nsource\nreplica" after each publish (<see cref="ChangeNotice"/>), so the other replicas reload from Redis.</item>
/// </list>
/// Every call is bounded by the operation timeout and never throws: a down or slow Redis reads as a
/// miss, grants the lease (replicas fetch for themselves) and drops writes.
/// </summary>
internal sealed partial class RedisSharedKeyStore : ISharedKeyStore
{
    private readonly RedisConnectionFactory _connections;
    private readonly KeyEntryCodec _entries;
    private readonly string _prefix;
    private readonly TimeSpan _operationTimeout;
    private readonly ILogger<RedisSharedKeyStore> _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, string> _refusals = new(StringComparer.Ordinal);
    private int _subscribed;
    private long _rejectedEntries;
    private long _refusedCommands;

    public RedisSharedKeyStore(RedisConnectionFactory connections, KeyEntryProtector protector, string prefix, TimeSpan operationTimeout, ILogger<RedisSharedKeyStore> logger)
    {
        _connections = connections;
        _entries = new KeyEntryCodec(protector);
        _prefix = prefix;
        _operationTimeout = operationTimeout;
        _logger = logger;
        _connections.ConnectionFailureChanged += OnConnectionFailureChanged;
        if (_connections.ConnectionFailure is { } failure)
        {
            OnConnectionFailureChanged(failure);
        }
    }

    // A connection that cannot be made (a refused certificate, a required client certificate, a wrong password)
    // is logged with its reason once per change, not once per reconnect attempt; readiness reads the current state.
    private void OnConnectionFailureChanged(string? failure)
    {
        if (failure is not null)
        {
            Log.ConnectFailed(_logger, failure);
        }
    }

    /// <summary>Longest wait for the first connection to Redis during a key load.</summary>
    public static TimeSpan ConnectWait { get; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an entry lives in Redis; replicas judge freshness from its fetch time anyway.</summary>
    public static TimeSpan EntryLifetime { get; } = TimeSpan.FromDays(2);

    public event Action<string, string>? Changed;

    /// <summary>Entries refused because their signature, issuer or source did not check out.</summary>
    public long RejectedEntries => Interlocked.Read(ref _rejectedEntries);

    /// <summary>Commands Redis answered with an error (e.g. <c>NOPERM</c>: a missing ACL grant).</summary>
    public long RefusedCommands => Interlocked.Read(ref _refusedCommands);

    /// <summary>
    /// Redis's own error message (e.g. <c>NOPERM User gateway has no permissions to run the 'setex' command</c>)
    /// for each store operation (<c>read</c>, <c>write</c>, <c>lease</c>, <c>release</c>, <c>lease read</c>,
    /// <c>subscribe</c>) whose last attempt Redis refused; an operation's entry goes once it succeeds. Also
    /// <c>connect</c>: why connecting fails (e.g. the server certificate was refused), until it succeeds.
    /// </summary>
    public IReadOnlyDictionary<string, string> Refusals =>
        _connections.ConnectionFailure is { } failure ? new Dictionary<string, string>(_refusals) { ["connect"] = failure } : _refusals;

    public RedisChannel Channel => RedisChannel.Literal(_prefix + "keys-changed");

    /// <summary>Connects and subscribes to change notices (called at startup; retried on each use until it succeeds).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("connect", ex);
        }
    }

    public async Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return null;
            }

            var value = await Bounded(database.StringGetAsync(EntryKey(issuerName, sourceAddress)), cancellationToken).ConfigureAwait(false);
            Succeeded("read");
            return value.IsNullOrEmpty ? null : Open(issuerName, sourceAddress, value.ToString());
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("read", ex);
            return null;
        }
    }

    public async Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            var database = await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return false;
            }

            var envelope = _entries.Seal(issuerName, sourceAddress, document);
            await Bounded(database.StringSetAsync(EntryKey(issuerName, sourceAddress), envelope, EntryLifetime), cancellationToken).ConfigureAwait(false);
            Succeeded("write");
            try
            {
                await Bounded(database.PublishAsync(Channel, ChangeNotice.Format(issuerName, sourceAddress, _instanceId)), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                Fail("write", ex); // stored: replicas waiting on the lease still read it; only the notice is lost
            }

            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("write", ex);
            return false;
        }
    }

    public async Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return true;
            }

            var acquired = await Bounded(database.StringSetAsync(LeaseKey(issuerName, sourceAddress, purpose), _instanceId, lease, When.NotExists), cancellationToken).ConfigureAwait(false);
            Succeeded("lease");
            return acquired;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("lease", ex);
            return true;
        }
    }

    public async Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (database is not null)
            {
                // Only our own lease, in one step: delete it (a published load) or mark how the fetch ended, keeping its expiry.
                RedisValue outcome = succeeded ? (purpose == FetchLeasePurpose.Load ? "" : _instanceId + DoneSuffix) : _instanceId + FailedSuffix;
                await Bounded(database.ScriptEvaluateAsync(CompleteScript, [(RedisKey)LeaseKey(issuerName, sourceAddress, purpose)], [_instanceId, outcome]), cancellationToken).ConfigureAwait(false);
                Succeeded("release");
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("release", ex);
        }
    }

    public async Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetConnectedAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return FetchLeaseState.Unknown;
            }

            var value = await Bounded(database.StringGetAsync(LeaseKey(issuerName, sourceAddress, purpose)), cancellationToken).ConfigureAwait(false);
            Succeeded("lease read");
            if (value.IsNullOrEmpty)
            {
                return FetchLeaseState.None;
            }

            var text = value.ToString();
            return text.EndsWith(DoneSuffix, StringComparison.Ordinal) ? FetchLeaseState.Succeeded
                : text.EndsWith(FailedSuffix, StringComparison.Ordinal) ? FetchLeaseState.Failed
                : FetchLeaseState.Fetching;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Fail("lease read", ex);
            return FetchLeaseState.Unknown;
        }
    }

    private const string DoneSuffix = "|done";
    private const string FailedSuffix = "|failed";

    // KEYS[1] lease; ARGV[1] our instance id; ARGV[2] "" to delete, else the new value (expiry kept).
    private const string CompleteScript = """
        if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
        if ARGV[2] == '' then return redis.call('del', KEYS[1]) end
        redis.call('set', KEYS[1], ARGV[2], 'KEEPTTL')
        return 1
        """;

    internal string EntryKey(string issuerName, string sourceAddress) => $"{_prefix}keys:{issuerName}:{SourceHash(sourceAddress)}";

    internal string LeaseKey(string issuerName, string sourceAddress, FetchLeasePurpose purpose) => $"{_prefix}lease:{purpose.Name()}:{issuerName}:{SourceHash(sourceAddress)}";

    private KeyDocument? Open(string issuerName, string sourceAddress, string text)
    {
        if (_entries.Open(issuerName, sourceAddress, text) is { } document)
        {
            return document;
        }

        Interlocked.Increment(ref _rejectedEntries);
        Log.EntryRejected(_logger, issuerName);
        return null;
    }

    private async Task<IDatabase?> GetConnectedAsync(CancellationToken cancellationToken)
    {
        // The first connection may take longer than one operation, but never more than ConnectWait:
        // a Redis that hangs at connect must leave the key load time to ask the identity provider.
        var connection = await _connections.GetConnectionAsync().WaitAsync(ConnectWait, cancellationToken).ConfigureAwait(false);
        if (!connection.IsConnected)
        {
            return null;
        }

        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            try
            {
                // The client re-subscribes by itself after a reconnect.
                await Bounded(connection.GetSubscriber().SubscribeAsync(Channel, OnChanged), cancellationToken).ConfigureAwait(false);
                Succeeded("subscribe");
            }
            catch (Exception ex) when (ex is RedisServerException)
            {
                // Refused (e.g. no grant on the channel): reads and writes may still work; retried on next use.
                Interlocked.Exchange(ref _subscribed, 0);
                Fail("subscribe", ex);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                Interlocked.Exchange(ref _subscribed, 0);
                throw;
            }
        }

        return connection.GetDatabase();
    }

    private void OnChanged(RedisChannel channel, RedisValue message)
    {
        // Our own notice is news to everyone but us. The notice only says "look again": what is read is verified like any entry.
        if (ChangeNotice.TryReadFromPeer(message.ToString(), _instanceId, out var issuerName, out var sourceAddress))
        {
            Changed?.Invoke(issuerName, sourceAddress);
        }
    }

    private async Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken) =>
        await operation.WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);

    private async Task Bounded(Task operation, CancellationToken cancellationToken) =>
        await operation.WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);

    // A refusal by Redis (an error reply: NOPERM, a script error, ...) is logged with Redis's own message,
    // which names the command or key; a connection problem only with its type.
    private void Fail(string operation, Exception ex)
    {
        if (ex is RedisServerException refused)
        {
            Interlocked.Increment(ref _refusedCommands);
            _refusals[operation] = refused.Message;
            Log.Refused(_logger, operation, refused.Message);
        }
        else
        {
            Log.Unavailable(_logger, operation, ex.GetType().Name);
        }
    }

    private void Succeeded(string operation)
    {
        if (!_refusals.IsEmpty)
        {
            _refusals.TryRemove(operation, out _);
        }
    }

    private static bool IsUnavailable(Exception ex) =>
        ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    private static string SourceHash(string sourceAddress) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceAddress)))[..16];

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.SharedCacheUnavailable, LogLevel.Warning, "Redis key cache {Operation} skipped: {ErrorType}. Serving from memory and the identity provider.")]
        public static partial void Unavailable(ILogger logger, string operation, string errorType);

        [LoggerMessage(Observability.EventIds.SharedCacheCommandRefused, LogLevel.Warning, "Redis refused the key cache {Operation}: {RedisError}. Check the gateway user's ACL grants (docs/key-cache.md); serving from memory and the identity provider.")]
        public static partial void Refused(ILogger logger, string operation, string redisError);

        [LoggerMessage(Observability.EventIds.SharedCacheUnavailable, LogLevel.Warning, "Redis key cache connection failed: {Reason}. Serving from memory and the identity provider.")]
        public static partial void ConnectFailed(ILogger logger, string reason);

        [LoggerMessage(Observability.EventIds.SharedCacheEntryRejected, LogLevel.Warning, "Redis key cache entry for issuer {Issuer} rejected: its integrity check failed or it belongs to another issuer or source. Fetching from the identity provider instead.")]
        public static partial void EntryRejected(ILogger logger, string issuer);
    }
}
