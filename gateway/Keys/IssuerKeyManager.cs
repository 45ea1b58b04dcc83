using Gateway.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Keeps one issuer's signing keys at two levels: process memory (read by every request, never
/// waiting on Redis) and the shared store (Redis), which replicas use to fetch once for the fleet.
/// <list type="bullet">
/// <item>A load goes: shared copy (if fresh enough) → fetch lease → identity provider → publish to
/// the fleet. A replica that loses the lease waits briefly for the winner's result, else keeps its keys.</item>
/// <item>Loads are single-flight per replica; requests wait at most <see cref="KeySourceSettings.FetchTimeout"/>.</item>
/// <item>Keys are refreshed ahead of expiry in the background (<see cref="RefreshIfDueAsync"/>); a failed
/// refresh keeps the last keys until <see cref="KeySourceSettings.MaxStaleness"/> after they were fetched.</item>
/// <item>An unknown kid causes at most one load per <see cref="KeySourceSettings.UnknownKidRefreshInterval"/>;
/// kids still unknown after it are remembered and refused at once.</item>
/// </list>
/// </summary>
public sealed partial class IssuerKeyManager
{
    private static readonly TimeSpan PeerPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);
    private readonly IKeyDocumentFetcher _fetcher;
    private readonly ISharedKeyStore _shared;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UnknownKidCache _unknownKids = new();
    private readonly Lock _gate = new();
    private volatile IssuerKeySet? _current;
    private Task<IssuerKeySet?>? _inflight;
    private LoadReason _inflightReason;
    private DateTimeOffset _lastUnknownKidLoad = DateTimeOffset.MinValue;
    private DateTimeOffset _nextRetry = DateTimeOffset.MinValue;
    private int _consecutiveFailures;

    public IssuerKeyManager(KeySourceSettings settings, IKeyDocumentFetcher fetcher, ISharedKeyStore shared, TimeProvider time, ILogger logger)
    {
        Settings = settings;
        _fetcher = fetcher;
        _shared = shared;
        _time = time;
        _logger = logger;
    }

    public KeySourceSettings Settings { get; }

    /// <summary>The keys in memory, whatever their age (null until a first load succeeded).</summary>
    public IssuerKeySet? Current => _current;

    /// <summary>Keys usable for validation now, loading them when there are none (or only ones past the staleness limit).</summary>
    public ValueTask<IssuerKeySet?> GetKeysAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && _time.GetUtcNow() <= current.UsableUntil)
        {
            KeyTelemetry.MemoryLookup(Settings.IssuerName, hit: true);
            return new ValueTask<IssuerKeySet?>(current);
        }

        KeyTelemetry.MemoryLookup(Settings.IssuerName, hit: false);
        return LoadForRequestAsync(cancellationToken);
    }

    /// <summary>
    /// Called when a token names a kid the current set lacks. Loads at most once per interval; in
    /// between, and for kids a load already failed to find, it answers from memory at once.
    /// </summary>
    public async ValueTask<IssuerKeySet?> RefreshForUnknownKidAsync(string kid, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_unknownKids.Contains(kid, now))
        {
            return Usable(_current);
        }

        // A first or scheduled load already under way may bring the kid: wait for it before asking for more.
        Task<IssuerKeySet?>? earlier;
        lock (_gate)
        {
            earlier = _inflightReason == LoadReason.UnknownKid ? null : _inflight;
        }

        if (earlier is not null && await WaitBoundedAsync(earlier, cancellationToken).ConfigureAwait(false) is { } loaded && loaded.ById.ContainsKey(kid))
        {
            return Usable(loaded);
        }

        Task<IssuerKeySet?> load;
        lock (_gate)
        {
            if (_inflight is null && now - _lastUnknownKidLoad < Settings.UnknownKidRefreshInterval)
            {
                return Usable(_current);
            }

            _lastUnknownKidLoad = now;
            load = StartLoad(LoadReason.UnknownKid, kid);
        }

        Log.UnknownKidRefresh(_logger, Settings.IssuerName, Observability.LogValue.Safe(kid));
        var set = await WaitBoundedAsync(load, cancellationToken).ConfigureAwait(false);
        if (set is null || !set.ById.ContainsKey(kid))
        {
            _unknownKids.Add(kid, _time.GetUtcNow() + Settings.UnknownKidRefreshInterval);
        }

        return Usable(set ?? _current);
    }

    /// <summary>Background tick: first load when none succeeded yet, refresh-ahead when due, with backoff after failures.</summary>
    public Task RefreshIfDueAsync()
    {
        var now = _time.GetUtcNow();
        var current = _current;
        if (now < _nextRetry || (current is not null && now < current.RefreshAt))
        {
            return Task.CompletedTask;
        }

        return StartLoad(current is null ? LoadReason.Cold : LoadReason.Scheduled);
    }

    /// <summary>Another replica published new keys: take them from the shared store (never from the IdP).</summary>
    public async Task ReloadFromSharedAsync()
    {
        using var timeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
        var shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, timeout.Token).ConfigureAwait(false);
        if (shared is not null && IsNewer(shared))
        {
            Apply(shared, "redis");
        }
    }

    private async ValueTask<IssuerKeySet?> LoadForRequestAsync(CancellationToken cancellationToken)
    {
        var set = await WaitBoundedAsync(StartLoad(_current is null ? LoadReason.Cold : LoadReason.Scheduled), cancellationToken).ConfigureAwait(false);
        return Usable(set ?? _current);
    }

    private IssuerKeySet? Usable(IssuerKeySet? set) => set is not null && _time.GetUtcNow() <= set.UsableUntil ? set : null;

    private Task<IssuerKeySet?> StartLoad(LoadReason reason, string? kid = null)
    {
        lock (_gate)
        {
            if (_inflight is null)
            {
                _inflightReason = reason;
                _inflight = LoadAsync(reason, kid);
            }

            return _inflight;
        }
    }

    // A request waits for a load at most the fetch budget; the load itself goes on in the background.
    private async Task<IssuerKeySet?> WaitBoundedAsync(Task<IssuerKeySet?> load, CancellationToken cancellationToken)
    {
        try
        {
            return await load.WaitAsync(Settings.FetchTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return _current;
        }
    }

    private async Task<IssuerKeySet?> LoadAsync(LoadReason reason, string? kid)
    {
        await Task.Yield(); // never run I/O inside the caller's lock
        using var activity = KeyTelemetry.StartLoad(Settings.IssuerName, reason.ToString());
        var before = _current;
        var failuresBefore = Volatile.Read(ref _consecutiveFailures);
        var result = await LoadCoreAsync(reason, kid).ConfigureAwait(false);
        KeyTelemetry.LoadFinished(activity, before, result, Volatile.Read(ref _consecutiveFailures) > failuresBefore);
        return result;
    }

    private async Task<IssuerKeySet?> LoadCoreAsync(LoadReason reason, string? kid)
    {
        KeyDocument? shared = null;
        long idpStarted = 0;
        try
        {
            using var timeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
            shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, timeout.Token).ConfigureAwait(false);
            var sharedUsable = shared is not null && SharedCopyWillDo(shared, reason);
            if (!ReferenceEquals(_shared, MemoryOnlyKeyStore.Instance))
            {
                KeyTelemetry.SharedLookup(Settings.IssuerName, sharedUsable);
            }

            if (sharedUsable)
            {
                var fromShared = Apply(shared!, "redis");
                if (kid is null || fromShared.ById.ContainsKey(kid))
                {
                    return Succeeded(fromShared);
                }

                // Newer than ours but fetched before the key was rotated in: still ask the IdP (under the kid lease).
            }

            // Unknown kids: one fetch per interval for the whole fleet (the lease expires, never released).
            // First and scheduled loads: one replica at a time (released once published).
            var (purpose, lease) = reason == LoadReason.UnknownKid ? ("kid", Settings.UnknownKidRefreshInterval) : ("load", Settings.FetchTimeout);
            if (!await _shared.TryAcquireFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, purpose, lease, timeout.Token).ConfigureAwait(false))
            {
                var fromPeer = await WaitForPeerAsync(_current?.FetchedAt, timeout.Token).ConfigureAwait(false);
                if (fromPeer is not null)
                {
                    return Succeeded(Apply(fromPeer, "redis"));
                }

                if (_current is not null)
                {
                    Log.PeerFetchPending(_logger, Settings.IssuerName, purpose);
                    return _current; // another replica is fetching; keep serving what we have
                }
            }

            // The identity provider gets a full budget of its own, whatever the shared level used up.
            using var fetchTimeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
            idpStarted = _time.GetTimestamp();
            var document = await _fetcher.FetchAsync(fetchTimeout.Token).ConfigureAwait(false);
            KeyTelemetry.IdpFetched(Settings.IssuerName, success: true, _time.GetElapsedTime(idpStarted));
            idpStarted = 0;
            var set = Apply(document, "origin");
            // Not bound to the load's budget (which the fetch may have used up): a fetched key set is always
            // offered to the fleet. The store bounds each Redis command itself.
            await _shared.PublishAsync(Settings.IssuerName, Settings.SourceAddress, document, CancellationToken.None).ConfigureAwait(false);
            if (purpose == "load")
            {
                await _shared.ReleaseFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, purpose, CancellationToken.None).ConfigureAwait(false);
            }

            return Succeeded(set);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (idpStarted != 0)
            {
                KeyTelemetry.IdpFetched(Settings.IssuerName, success: false, _time.GetElapsedTime(idpStarted));
            }

            return Failed(ex, shared);
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }

    // Cold: any copy within its lifetime. Refresh: only a copy newer than ours that is not itself due.
    // Unknown kid: any copy newer than ours (another replica just fetched).
    private bool SharedCopyWillDo(KeyDocument shared, LoadReason reason)
    {
        var now = _time.GetUtcNow();
        var lifetime = Settings.LifetimeFor(shared.MaxAge);
        return reason switch
        {
            LoadReason.Cold => now - shared.FetchedAt < lifetime,
            LoadReason.Scheduled => IsNewer(shared) && now - shared.FetchedAt < lifetime * KeySourceSettings.RefreshAheadRatio,
            _ => IsNewer(shared),
        };
    }

    private bool IsNewer(KeyDocument document) => _current is not { } current || document.FetchedAt > current.FetchedAt;

    // Polls the shared store for the lease holder's result; also stops when a change notice already
    // brought newer keys into memory (then the caller serves those).
    private async Task<KeyDocument?> WaitForPeerAsync(DateTimeOffset? baseline, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + Settings.PeerFetchWait;
        while (_time.GetUtcNow() < deadline)
        {
            await Task.Delay(PeerPollInterval, _time, cancellationToken).ConfigureAwait(false);
            if (_current is { } current && (baseline is null || current.FetchedAt > baseline))
            {
                return null;
            }

            var shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, cancellationToken).ConfigureAwait(false);
            if (shared is not null && IsNewer(shared))
            {
                return shared;
            }
        }

        return null;
    }

    private IssuerKeySet Apply(KeyDocument document, string source)
    {
        var set = new IssuerKeySet(
            new JsonWebKeySet(document.JwksJson).Keys.ToArray(),
            document.FetchedAt,
            source,
            document.DiscoveredIssuer,
            Settings.LifetimeFor(document.MaxAge),
            Settings.MaxStaleness);
        lock (_gate)
        {
            // Never go back in time: a late, older result must not replace newer keys.
            if (_current is { } current && current.FetchedAt > set.FetchedAt)
            {
                return current;
            }

            _current = set;
        }

        _unknownKids.Clear();
        Log.KeysLoaded(_logger, Settings.IssuerName, set.Keys.Count, source);
        return set;
    }

    private IssuerKeySet Succeeded(IssuerKeySet set)
    {
        _consecutiveFailures = 0;
        _nextRetry = DateTimeOffset.MinValue;
        return set;
    }

    private IssuerKeySet? Failed(Exception ex, KeyDocument? sharedFallback)
    {
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), MaxRetryDelay.TotalSeconds));
        _nextRetry = _time.GetUtcNow() + delay;

        // Stale-if-error: with nothing in memory, an old shared copy within the staleness limit beats nothing.
        if (_current is null && sharedFallback is not null && _time.GetUtcNow() - sharedFallback.FetchedAt <= Settings.MaxStaleness)
        {
            Apply(sharedFallback, "redis");
        }

        var current = _current;
        Log.KeyLoadFailed(_logger, Settings.IssuerName, Settings.SourceAddress, ex.GetType().Name, ex.Message, current is not null, current?.UsableUntil);
        return current;
    }

    private enum LoadReason
    {
        Cold,
        Scheduled,
        UnknownKid,
    }
}
