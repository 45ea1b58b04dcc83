using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Keeps one issuer's signing keys. Requests read <see cref="Current"/> from memory; loads go
/// shared cache (Redis) first, then the identity provider, one at a time (single flight).
/// <list type="bullet">
/// <item>Keys older than the refresh interval are refreshed in the background while the old ones keep serving.</item>
/// <item>An unknown <c>kid</c> triggers at most one refresh per <see cref="KeySourceSettings.UnknownKidRefreshInterval"/>;
/// between those, unknown kids are answered from memory at once.</item>
/// <item>A failed fetch keeps the last good keys.</item>
/// </list>
/// </summary>
public sealed partial class IssuerKeyManager
{
    private readonly IKeyDocumentFetcher _fetcher;
    private readonly IKeyDocumentCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile IssuerKeySet? _current;
    private Task<IssuerKeySet?>? _inflight;
    private DateTimeOffset _lastUnknownKidRefresh = DateTimeOffset.MinValue;
    private int _originFetchCount;

    public IssuerKeyManager(KeySourceSettings settings, IKeyDocumentFetcher fetcher, IKeyDocumentCache cache, TimeProvider time, ILogger logger)
    {
        Settings = settings;
        _fetcher = fetcher;
        _cache = cache;
        _time = time;
        _logger = logger;
    }

    public KeySourceSettings Settings { get; }

    /// <summary>The keys in memory, or null when none could be loaded yet.</summary>
    public IssuerKeySet? Current => _current;

    /// <summary>Number of times the identity provider (origin) was asked, for tests and metrics.</summary>
    public int OriginFetchCount => Volatile.Read(ref _originFetchCount);

    /// <summary>Returns the keys in memory, loading them first when there are none; schedules a background refresh when they are due.</summary>
    public ValueTask<IssuerKeySet?> GetKeysAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is null)
        {
            return new ValueTask<IssuerKeySet?>(WaitAsync(StartLoad(LoadReason.Cold), cancellationToken));
        }

        if (_time.GetUtcNow() - current.FetchedAt >= Settings.RefreshInterval)
        {
            _ = StartLoad(LoadReason.Scheduled);
        }

        return new ValueTask<IssuerKeySet?>(current);
    }

    /// <summary>
    /// Called when a token names a kid the current set does not hold: refreshes at most once per
    /// interval and returns the (possibly) new set. Within the interval it returns the current set at once.
    /// </summary>
    public async ValueTask<IssuerKeySet?> RefreshForUnknownKidAsync(string kid, CancellationToken cancellationToken)
    {
        Task<IssuerKeySet?> load;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_inflight is null && now - _lastUnknownKidRefresh < Settings.UnknownKidRefreshInterval)
            {
                return _current;
            }

            _lastUnknownKidRefresh = now;
            load = StartLoad(LoadReason.UnknownKid);
        }

        Log.UnknownKidRefresh(_logger, Settings.IssuerName, kid);
        return await WaitAsync(load, cancellationToken).ConfigureAwait(false);
    }

    private Task<IssuerKeySet?> StartLoad(LoadReason reason)
    {
        lock (_gate)
        {
            return _inflight ??= LoadAsync(reason);
        }
    }

    private async Task<IssuerKeySet?> LoadAsync(LoadReason reason)
    {
        await Task.Yield(); // leave the caller's lock and request before doing I/O
        try
        {
            using var timeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
            var document = await ReadSharedCacheAsync(reason, timeout.Token).ConfigureAwait(false);
            var fromCache = document is not null;
            if (document is null)
            {
                Interlocked.Increment(ref _originFetchCount);
                document = await _fetcher.FetchAsync(timeout.Token).ConfigureAwait(false);
                await _cache.SetAsync(Settings.IssuerName, Settings.SourceAddress, document, timeout.Token).ConfigureAwait(false);
            }

            var set = new IssuerKeySet(new JsonWebKeySet(document.JwksJson).Keys.ToArray(), document.FetchedAt, fromCache ? "redis" : "origin", document.DiscoveredIssuer);
            _current = set;
            Log.KeysLoaded(_logger, Settings.IssuerName, set.Keys.Count, set.Source);
            return set;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.KeyLoadFailed(_logger, Settings.IssuerName, Settings.SourceAddress, ex.GetType().Name, ex.Message, _current is not null);
            return _current;
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }

    // On a cold start another replica may already have fetched the keys; on a refresh the shared copy
    // is used only when it is newer than ours, so a stale Redis entry never hides a rotation.
    private async Task<KeyDocument?> ReadSharedCacheAsync(LoadReason reason, CancellationToken cancellationToken)
    {
        var shared = await _cache.GetAsync(Settings.IssuerName, Settings.SourceAddress, cancellationToken).ConfigureAwait(false);
        if (shared is null || _time.GetUtcNow() - shared.FetchedAt >= Settings.RefreshInterval)
        {
            return null;
        }

        var current = _current;
        return reason == LoadReason.Cold || current is null || shared.FetchedAt > current.FetchedAt ? shared : null;
    }

    private static async Task<IssuerKeySet?> WaitAsync(Task<IssuerKeySet?> load, CancellationToken cancellationToken) =>
        await load.WaitAsync(cancellationToken).ConfigureAwait(false);

    private enum LoadReason
    {
        Cold,
        Scheduled,
        UnknownKid,
    }
}
