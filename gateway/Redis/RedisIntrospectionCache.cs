using System.Text.Json;
using Gateway.Introspection;
using Gateway.Observability;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// The Redis level of the introspection cache: <c>{prefix}introspection:{issuer}:{sha256 of the token, hex}</c> holds a
/// signed envelope (HMAC-SHA256 under <c>Gateway:Redis:IntegrityKey</c>, like the key cache) of the answer, the issuer's
/// name and <c>iss</c>, the token hash and the time until which it may be served; Redis expires it then too. An
/// entry whose signature fails, or that names another issuer or token (moved by someone with write access to
/// Redis), is refused, counted and logged, and the replica asks the authorization server itself. Every
/// operation is bounded by <c>Gateway:Redis:OperationTimeout</c> and never throws.
/// </summary>
internal sealed partial class RedisIntrospectionCache : ISharedIntrospectionCache
{
    private readonly RedisConnectionFactory _connections;
    private readonly KeyEntryProtector _protector;
    private readonly string _prefix;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisIntrospectionCache> _logger;
    private readonly Gateway.Observability.GatewayMetrics _metrics;

    public RedisIntrospectionCache(RedisConnectionFactory connections, KeyEntryProtector protector, string prefix, TimeSpan operationTimeout, TimeProvider time, ILogger<RedisIntrospectionCache> logger, Gateway.Observability.GatewayMetrics? metrics = null)
    {
        _connections = connections;
        _protector = protector;
        _prefix = prefix;
        _operationTimeout = operationTimeout;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? Gateway.Observability.GatewayMetrics.Unscoped;
    }

    public string EntryKey(string issuerName, string tokenHash) => $"{_prefix}introspection:{issuerName}:{tokenHash}";

    public async Task<SharedIntrospectionEntry?> GetAsync(string issuerName, string expectedIssuer, string tokenHash, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return null;
            }

            var value = await database.StringGetAsync(EntryKey(issuerName, tokenHash)).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
            if (value.IsNullOrEmpty)
            {
                return null;
            }

            var entry = Open(issuerName, expectedIssuer, tokenHash, value.ToString());
            if (entry is null)
            {
                _metrics.IntrospectionCacheLookups.Add(1, new(GatewayDiagnostics.Tags.CacheLevel, "redis"), new(GatewayDiagnostics.Tags.CacheResult, "rejected"));
                Log.EntryRejected(_logger, issuerName);
            }

            return entry;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "read", ex.GetType().Name);
            return null;
        }
    }

    public async Task SetAsync(string issuerName, string expectedIssuer, string tokenHash, SharedIntrospectionEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Whole seconds (SETEX, the command the key cache's ACL grants already allow); the payload's own time is exact.
        var lifetime = TimeSpan.FromSeconds(Math.Floor((entry.Until - _time.GetUtcNow()).TotalSeconds));
        if (lifetime < TimeSpan.FromSeconds(1))
        {
            return;
        }

        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return;
            }

            var payload = JsonSerializer.Serialize(new EntryPayload(issuerName, expectedIssuer, tokenHash, entry.Until.ToUnixTimeMilliseconds(), entry.AnswerJson));
            var envelope = JsonSerializer.Serialize(new Envelope(1, payload, _protector.Sign(payload)));
            await database.StringSetAsync(EntryKey(issuerName, tokenHash), envelope, lifetime).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "write", ex.GetType().Name);
        }
    }

    private SharedIntrospectionEntry? Open(string issuerName, string expectedIssuer, string tokenHash, string text)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(text);
            if (envelope?.Payload is { } payloadText && _protector.Verify(payloadText, envelope.Mac))
            {
                var payload = JsonSerializer.Deserialize<EntryPayload>(payloadText);
                if (payload is not null && payload.Issuer == issuerName && payload.ExpectedIssuer == expectedIssuer && payload.Token == tokenHash
                    && !string.IsNullOrEmpty(payload.Answer))
                {
                    return new SharedIntrospectionEntry(payload.Answer, DateTimeOffset.FromUnixTimeMilliseconds(payload.UntilMs));
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private async Task<IDatabase?> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        // The first connection may take longer than one operation (as for the key cache); the caller's budget still bounds a read.
        var connection = await _connections.GetConnectionAsync().WaitAsync(RedisSharedKeyStore.ConnectWait, cancellationToken).ConfigureAwait(false);
        return connection.IsConnected ? connection.GetDatabase() : null;
    }

    private static bool IsUnavailable(Exception ex) =>
        ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    private sealed record Envelope(int V, string Payload, string Mac);

    private sealed record EntryPayload(string Issuer, string ExpectedIssuer, string Token, long UntilMs, string Answer);

    private static partial class Log
    {
        [LoggerMessage(EventIds.IntrospectionCacheUnavailable, LogLevel.Warning, "Redis introspection cache {Operation} skipped: {ErrorType}. Serving from memory and the authorization server.")]
        public static partial void Unavailable(ILogger logger, string operation, string errorType);

        [LoggerMessage(EventIds.IntrospectionCacheEntryRejected, LogLevel.Warning, "Redis introspection cache entry for issuer {Issuer} rejected: its integrity check failed or it belongs to another issuer or token. Asking the authorization server instead.")]
        public static partial void EntryRejected(ILogger logger, string issuer);
    }
}
