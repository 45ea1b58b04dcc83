using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Keys;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// The shared level of the key cache. One Redis string per issuer and source:
/// <c>{prefix}keys:{issuer}:{sha256(source)}</c>, holding the JWKS JSON, the time it was fetched and
/// the issuer and source it belongs to (an entry for another issuer or URL is ignored).
/// </summary>
public sealed partial class RedisKeyDocumentCache : IKeyDocumentCache
{
    private readonly RedisConnectionFactory _connections;
    private readonly string _prefix;
    private readonly ILogger<RedisKeyDocumentCache> _logger;

    public RedisKeyDocumentCache(RedisConnectionFactory connections, string prefix, ILogger<RedisKeyDocumentCache> logger)
    {
        _connections = connections;
        _prefix = prefix;
        _logger = logger;
    }

    /// <summary>How long an entry lives in Redis; replicas treat older entries as misses anyway.</summary>
    public static TimeSpan EntryLifetime { get; } = TimeSpan.FromDays(2);

    public async Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return null;
            }

            var value = await database.StringGetAsync(KeyFor(issuerName, sourceAddress)).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (value.IsNullOrEmpty)
            {
                return null;
            }

            var entry = JsonSerializer.Deserialize<Entry>((string)value!);
            if (entry is null || entry.Issuer != issuerName || entry.Source != sourceAddress || string.IsNullOrEmpty(entry.Jwks))
            {
                Log.EntryRejected(_logger, issuerName);
                return null;
            }

            return new KeyDocument(entry.Jwks, entry.DiscoveredIssuer, DateTimeOffset.FromUnixTimeMilliseconds(entry.FetchedAtMs));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or JsonException or ObjectDisposedException)
        {
            Log.Unavailable(_logger, "read", ex.GetType().Name);
            return null;
        }
    }

    public async Task SetAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (database is null)
            {
                return;
            }

            var entry = new Entry(issuerName, sourceAddress, document.FetchedAt.ToUnixTimeMilliseconds(), document.JwksJson, document.DiscoveredIssuer);
            await database.StringSetAsync(KeyFor(issuerName, sourceAddress), JsonSerializer.Serialize(entry), EntryLifetime)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            Log.Unavailable(_logger, "write", ex.GetType().Name);
        }
    }

    internal string KeyFor(string issuerName, string sourceAddress)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceAddress)));
        return $"{_prefix}keys:{issuerName}:{hash[..16]}";
    }

    private async Task<IDatabase?> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.GetConnectionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return connection.IsConnected ? connection.GetDatabase() : null;
    }

    private sealed record Entry(string Issuer, string Source, long FetchedAtMs, string Jwks, string? DiscoveredIssuer);

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.SharedCacheUnavailable, LogLevel.Warning, "Redis key cache {Operation} skipped: {ErrorType}. Serving from memory and the identity provider.")]
        public static partial void Unavailable(ILogger logger, string operation, string errorType);

        [LoggerMessage(Observability.EventIds.SharedCacheEntryRejected, LogLevel.Warning, "Redis key cache entry for issuer {Issuer} rejected: it does not belong to this issuer and source.")]
        public static partial void EntryRejected(ILogger logger, string issuer);
    }
}
