using Gateway.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Keeps one issuer's signing keys at two levels: process memory (read by every request, never
/// waiting on Redis) and the shared store (Redis), which replicas use to fetch once for the fleet.
/// <list type="bullet">
/// <item>A load goes: shared copy (if fresh enough) → fetch lease → identity provider → publish to
/// the fleet. A replica that loses the lease waits for the holder's result as long as the holder may
/// take (<see cref="KeySourceSettings.FetchTimeout"/> plus <see cref="KeySourceSettings.PeerFetchWait"/>),
/// and stops early when the holder reports failure; then it loads itself.</item>
/// <item>Loads are single-flight per replica; a request waits for one at most <see cref="KeySourceSettings.FetchTimeout"/>.</item>
/// <item>After a failed load, no load starts before the backoff (<see cref="RetryBackoff"/>) has passed,
/// whoever asks: the background refresh, a request finding no keys, or an unknown kid. In between,
/// requests are answered from memory.</item>
/// <item>A load that yields no usable signing key is a failed load: it never replaces good keys.</item>
/// <item>Keys are refreshed ahead of expiry in the background (<see cref="RefreshIfDueAsync"/>); a failed
/// refresh keeps the last keys until <see cref="KeySourceSettings.MaxStaleness"/> after they were fetched.</item>
/// <item>An unknown kid causes at most one load per <see cref="KeySourceSettings.UnknownKidRefreshInterval"/>;
/// kids a successful load did not bring are remembered and refused at once. A kid no successful load
/// could check is reported as such (<see cref="KidRefreshStatus.RefreshFailed"/>), never as unknown.</item>
/// <item>A local source (<see cref="ILocalKeySource"/>: a JWKS file, inline JWKS) skips the schedule and the fleet:
/// it is read when it changed (<c>IssuerKeyManager.Local.cs</c>), and its keys do not go stale.</item>
/// </list>
/// </summary>
internal sealed partial class IssuerKeyManager
{
    private static readonly TimeSpan PeerPollInterval = TimeSpan.FromMilliseconds(50);
    private readonly IKeyDocumentFetcher _fetcher;
    private readonly ISharedKeyStore _shared;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UnknownKidCache _unknownKids = new();
    private readonly Lock _gate = new();
    private volatile IssuerKeySet? _current;
    private volatile KeyLoadFailure? _lastFailure;
    private Task<LoadOutcome>? _inflight;
    private LoadReason _inflightReason;
    private DateTimeOffset _lastUnknownKidLoad = DateTimeOffset.MinValue;
    private long _retryNotBeforeTicks;
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

    /// <summary>Why loads fail, while the last one failed (null after a success).</summary>
    public KeyLoadFailure? LastFailure => _lastFailure;

    /// <summary>The earliest time the next load may start after a failure (null when not backing off).</summary>
    public DateTimeOffset? NextRetryAt => Volatile.Read(ref _retryNotBeforeTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    // How long the holder of a fetch lease may take to publish its result: its fetch budget, plus the grace.
    private TimeSpan PeerBudget => Settings.FetchTimeout + Settings.PeerFetchWait;

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
    /// Called when a token names a kid the current set lacks. Loads at most once per interval (and never
    /// during the backoff after a failure); in between, and for kids a load already failed to find, it
    /// answers from memory at once.
    /// </summary>
    public async ValueTask<KidRefreshResult> RefreshForUnknownKidAsync(string kid, CancellationToken cancellationToken)
    {
        if (_fetcher is ILocalKeySource local)
        {
            return await RefreshLocalForUnknownKidAsync(local, kid, cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        if (_unknownKids.Contains(kid, now))
        {
            return Checked(Usable(_current), kid, loaded: true);
        }

        // A first or scheduled load already under way may bring the kid: wait for it before asking for more.
        Task<LoadOutcome>? earlier;
        lock (_gate)
        {
            earlier = _inflightReason == LoadReason.UnknownKid ? null : _inflight;
        }

        if (earlier is not null && Usable((await WaitBoundedAsync(earlier, cancellationToken).ConfigureAwait(false)).Keys) is { } loaded && loaded.ById.ContainsKey(kid))
        {
            return new KidRefreshResult(loaded, KidRefreshStatus.Found);
        }

        Task<LoadOutcome> load;
        lock (_gate)
        {
            if (_inflight is null)
            {
                if (now - _lastUnknownKidLoad < Settings.UnknownKidRefreshInterval || InBackoff(now))
                {
                    // No load allowed now: the answer is only as good as the last load.
                    return Checked(Usable(_current), kid, loaded: _consecutiveFailures == 0);
                }

                _lastUnknownKidLoad = now;
                load = StartLoadLocked(LoadReason.UnknownKid, kid);
            }
            else
            {
                load = _inflight;
            }
        }

        Log.UnknownKidRefresh(_logger, Settings.IssuerName, LogValue.Safe(kid));
        var outcome = await WaitBoundedAsync(load, cancellationToken).ConfigureAwait(false);
        var result = Checked(Usable(outcome.Keys ?? _current), kid, loaded: outcome.Result == LoadResult.Loaded);
        if (result.Status == KidRefreshStatus.NotPublished)
        {
            _unknownKids.Add(kid, _time.GetUtcNow() + Settings.UnknownKidRefreshInterval);
        }

        return result;
    }

    /// <summary>Background tick: first load when none succeeded yet, refresh-ahead when due, with backoff after failures.</summary>
    public Task RefreshIfDueAsync()
    {
        if (_fetcher is ILocalKeySource local)
        {
            return ReloadIfChangedAsync(local);
        }

        var now = _time.GetUtcNow();
        var current = _current;
        if (InBackoff(now) || (current is not null && now < current.RefreshAt))
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            return _inflight ?? StartLoadLocked(current is null ? LoadReason.Cold : LoadReason.Scheduled, null);
        }
    }

    /// <summary>Another replica published new keys: take them from the shared store (never from the IdP).</summary>
    public async Task ReloadFromSharedAsync()
    {
        using var timeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
        var shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, timeout.Token).ConfigureAwait(false);
        if (shared is not null && IsNewer(shared) && Parse(shared, "redis") is { } set)
        {
            Apply(set);
        }
    }

    private async ValueTask<IssuerKeySet?> LoadForRequestAsync(CancellationToken cancellationToken)
    {
        Task<LoadOutcome>? load;
        lock (_gate)
        {
            // Between retries the answer comes from memory: a request never starts a load the backoff forbids.
            load = _inflight ?? (InBackoff(_time.GetUtcNow()) ? null : StartLoadLocked(_current is null ? LoadReason.Cold : LoadReason.Scheduled, null));
        }

        if (load is null)
        {
            return Usable(_current);
        }

        var outcome = await WaitBoundedAsync(load, cancellationToken).ConfigureAwait(false);
        return Usable(outcome.Keys ?? _current);
    }

    private static KidRefreshResult Checked(IssuerKeySet? keys, string kid, bool loaded) =>
        keys is not null && keys.ById.ContainsKey(kid) ? new(keys, KidRefreshStatus.Found)
        : new(keys, loaded ? KidRefreshStatus.NotPublished : KidRefreshStatus.RefreshFailed);

    private IssuerKeySet? Usable(IssuerKeySet? set) => set is not null && _time.GetUtcNow() <= set.UsableUntil ? set : null;

    private bool InBackoff(DateTimeOffset now) => now.UtcTicks < Volatile.Read(ref _retryNotBeforeTicks);

    private Task<LoadOutcome> StartLoadLocked(LoadReason reason, string? kid)
    {
        if (_inflight is null)
        {
            _inflightReason = reason;
            _inflight = LoadAsync(reason, kid);
        }

        return _inflight;
    }

    // A request waits for a load at most the fetch budget; the load itself goes on in the background.
    private async Task<LoadOutcome> WaitBoundedAsync(Task<LoadOutcome> load, CancellationToken cancellationToken)
    {
        try
        {
            return await load.WaitAsync(Settings.FetchTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new LoadOutcome(_current, LoadResult.TimedOut);
        }
    }

    private async Task<LoadOutcome> LoadAsync(LoadReason reason, string? kid)
    {
        // Never run I/O inside the caller's lock, and never on the caller's synchronization context (a caller that blocks on
        // the load would wait for itself): continue on the thread pool.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        try
        {
            using var activity = KeyTelemetry.StartLoad(Settings.IssuerName, reason.ToString());
            var before = _current;
            var outcome = await LoadCoreAsync(reason, kid).ConfigureAwait(false);
            KeyTelemetry.LoadFinished(activity, before, outcome.Keys, outcome.Result == LoadResult.Failed);
            return outcome;
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }

    private async Task<LoadOutcome> LoadCoreAsync(LoadReason reason, string? kid)
    {
        KeyDocument? shared = null;
        long idpStarted = 0;
        string? heldLease = null;
        try
        {
            var purpose = reason == LoadReason.UnknownKid ? FetchLeasePurpose.Kid : FetchLeasePurpose.Load;
            using (var sharedBudget = new CancellationTokenSource(Settings.FetchTimeout, _time))
            {
                shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, sharedBudget.Token).ConfigureAwait(false);
                var fromShared = shared is not null && SharedCopyWillDo(shared, reason) ? Parse(shared, "redis") : null;
                if (!ReferenceEquals(_shared, MemoryOnlyKeyStore.Instance))
                {
                    KeyTelemetry.SharedLookup(Settings.IssuerName, fromShared is not null);
                }

                if (fromShared is not null)
                {
                    var applied = Apply(fromShared);
                    if (kid is null || applied.ById.ContainsKey(kid))
                    {
                        return Succeeded(applied);
                    }

                    // Newer than ours but fetched before the key was rotated in: still ask the IdP (under the kid lease).
                }

                // Unknown kids: one fetch per interval for the whole fleet (the lease expires, never released).
                // First and scheduled loads: one replica at a time (released once published).
                // Either lease outlives the holder's whole budget, so no second replica fetches while it works.
                var lease = reason == LoadReason.UnknownKid && Settings.UnknownKidRefreshInterval > PeerBudget ? Settings.UnknownKidRefreshInterval : PeerBudget;
                if (await _shared.TryAcquireFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, purpose, lease, sharedBudget.Token).ConfigureAwait(false))
                {
                    heldLease = purpose;
                }
            }

            if (heldLease is null)
            {
                var fromPeer = await WaitForPeerAsync(purpose, _current?.FetchedAt).ConfigureAwait(false);
                if (fromPeer is not null)
                {
                    return Succeeded(fromPeer);
                }

                if (reason == LoadReason.Scheduled && _current is not null)
                {
                    Log.PeerFetchPending(_logger, Settings.IssuerName, purpose);
                    return new LoadOutcome(_current, LoadResult.Unchanged); // keys still fresh: the next tick tries again
                }

                Log.PeerFetchMissing(_logger, Settings.IssuerName, purpose);
            }

            // The identity provider gets a full budget of its own, whatever the shared level used up.
            using var fetchTimeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
            idpStarted = _time.GetTimestamp();
            var document = await _fetcher.FetchAsync(fetchTimeout.Token).ConfigureAwait(false);
            var fetched = Parse(document, OriginLabel) ?? throw new NoUsableSigningKeyException();
            if (_fetcher is not ILocalKeySource)
            {
                KeyTelemetry.IdpFetched(Settings.IssuerName, success: true, _time.GetElapsedTime(idpStarted));
            }

            idpStarted = 0;
            var set = Apply(fetched);

            // Not bound to the load's budget (which the fetch may have used up): a fetched key set is always
            // offered to the fleet. The store bounds each Redis command itself.
            var published = await _shared.PublishAsync(Settings.IssuerName, Settings.SourceAddress, document, CancellationToken.None).ConfigureAwait(false);
            if (heldLease is not null)
            {
                // "done" tells waiting replicas that the entry in Redis is this result, and they check a kid against
                // it without fetching: only true when the write landed (it may time out, e.g. during a Sentinel
                // failover). Otherwise "failed": they load the keys themselves instead of answering a false 401.
                await _shared.CompleteFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, heldLease, succeeded: published, CancellationToken.None).ConfigureAwait(false);
            }

            return Succeeded(set);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (idpStarted != 0 && _fetcher is not ILocalKeySource)
            {
                KeyTelemetry.IdpFetched(Settings.IssuerName, success: false, _time.GetElapsedTime(idpStarted));
            }

            if (heldLease is not null)
            {
                // Replicas waiting for this fetch stop waiting and load themselves.
                await _shared.CompleteFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, heldLease, succeeded: false, CancellationToken.None).ConfigureAwait(false);
            }

            return Failed(ex, shared);
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

    // The key set a document yields, or null when it holds no usable signing key (never applied).
    private IssuerKeySet? Parse(KeyDocument document, string source)
    {
        try
        {
            var set = new IssuerKeySet(
                new JsonWebKeySet(document.JwksJson).Keys.ToArray(),
                document.FetchedAt,
                source,
                document.DiscoveredIssuer,
                Settings.LifetimeFor(document.MaxAge),
                Settings.MaxStaleness);
            return set.Keys.Count == 0 ? null : set;
        }
        catch (ArgumentException)
        {
            return null; // not a JWKS (a shared entry is signed, but may have been written by a broken version)
        }
    }

    private IssuerKeySet Apply(IssuerKeySet set)
    {
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
        Log.KeysLoaded(_logger, Settings.IssuerName, set.Keys.Count, set.Source);
        return set;
    }

    private LoadOutcome Succeeded(IssuerKeySet set)
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        Volatile.Write(ref _retryNotBeforeTicks, 0);
        _lastFailure = null;
        return new LoadOutcome(set, LoadResult.Loaded);
    }

    private LoadOutcome Failed(Exception ex, KeyDocument? sharedFallback)
    {
        var now = _time.GetUtcNow();
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        Volatile.Write(ref _retryNotBeforeTicks, (now + RetryBackoff.Delay(failures, Random.Shared.NextDouble())).UtcTicks);
        var error = KeyLoadFailure.Describe(ex);
        _lastFailure = new KeyLoadFailure(_lastFailure?.Since ?? now, now, failures, error);

        // Stale-if-error: with nothing in memory, an old shared copy within the staleness limit beats nothing.
        if (_current is null && sharedFallback is not null && now - sharedFallback.FetchedAt <= Settings.MaxStaleness && Parse(sharedFallback, "redis") is { } stale)
        {
            Apply(stale);
        }

        var current = _current;
        Log.KeyLoadFailed(_logger, Settings.IssuerName, Settings.SourceAddress, ex.GetType().Name, ex is NoUsableSigningKeyException or LocalKeySourceException ? error : ex.Message, current is not null, current?.UsableUntil);
        return new LoadOutcome(current, LoadResult.Failed);
    }

    private enum LoadReason
    {
        Cold,
        Scheduled,
        UnknownKid,

        /// <summary>A local key source (file) changed.</summary>
        SourceChanged,
    }

    private enum LoadResult
    {
        /// <summary>Keys were loaded (from the IdP, the shared store, or a peer's fetch).</summary>
        Loaded,

        /// <summary>The load failed (backoff started).</summary>
        Failed,

        /// <summary>A scheduled refresh left the (still fresh) keys as they were: another replica's fetch did not arrive.</summary>
        Unchanged,

        /// <summary>The waiting request's budget ran out before the load ended (the load goes on).</summary>
        TimedOut,
    }

    private readonly record struct LoadOutcome(IssuerKeySet? Keys, LoadResult Result);
}
