using Gateway.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Keeps one issuer's signing keys in process memory (read by every request, never waiting on I/O) and decides when
/// to load them; <em>where</em> a load goes is its <see cref="IKeySource"/>'s business (the origin, or the fleet
/// protocol in front of it when Redis is configured: <see cref="FleetKeySource"/>).
/// <list type="bullet">
/// <item>Loads are single-flight per replica; a request waits for one at most <see cref="KeySourceSettings.FetchTimeout"/>.</item>
/// <item>After a failed load, no load starts before the backoff (<see cref="RetryBackoff"/>, with jitter) has passed,
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
internal sealed partial class IssuerKeyManager : IKeyMemory
{
    private readonly IKeySource _source;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly Observability.GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly UnknownKidCache _unknownKids = new();
    private readonly Lock _gate = new();
    private volatile IssuerKeySet? _current;
    private volatile KeyLoadFailure? _lastFailure;
    private Task<LoadOutcome>? _inflight;
    private KeyLoadReason _inflightReason;
    private DateTimeOffset _lastUnknownKidLoad = DateTimeOffset.MinValue;
    private long _retryNotBeforeTicks;
    private int _consecutiveFailures;

    /// <summary>
    /// A manager whose loads go to <paramref name="fetcher"/>, through the fleet protocol when <paramref name="shared"/> is
    /// a real shared store (not <see cref="MemoryOnlyKeyStore.Instance"/>).
    /// </summary>
    public IssuerKeyManager(KeySourceSettings settings, IKeyDocumentFetcher fetcher, ISharedKeyStore shared, TimeProvider time, ILogger logger, Observability.GatewayMetrics? metrics = null)
        : this(settings, KeySources.Create(fetcher, shared, time, logger, metrics), time, logger, metrics: metrics)
    {
    }

    /// <param name="settings">The issuer, its source and timings.</param>
    /// <param name="source">Where loads go (<see cref="KeySources.Create"/>).</param>
    /// <param name="time">The clock of every schedule (tests pass a <c>FakeTimeProvider</c>).</param>
    /// <param name="logger">The manager's log.</param>
    /// <param name="jitter">Draws the backoff's jitter (a seeded one in tests); <see cref="Random.Shared"/> by default.</param>
    /// <param name="metrics">The host's instruments (<see cref="Observability.GatewayMetrics.Unscoped"/> outside a host).</param>
    internal IssuerKeyManager(KeySourceSettings settings, IKeySource source, TimeProvider time, ILogger logger, Random? jitter = null, Observability.GatewayMetrics? metrics = null)
    {
        _metrics = metrics ?? Observability.GatewayMetrics.Unscoped;
        Settings = settings;
        _source = source;
        _time = time;
        _logger = logger;
        _jitter = jitter ?? Random.Shared;
    }

    public KeySourceSettings Settings { get; }

    /// <summary>The keys in memory, whatever their age (null until a first load succeeded).</summary>
    public IssuerKeySet? Current => _current;

    /// <summary>Why loads fail, while the last one failed (null after a success).</summary>
    public KeyLoadFailure? LastFailure => _lastFailure;

    /// <summary>The earliest time the next load may start after a failure (null when not backing off).</summary>
    public DateTimeOffset? NextRetryAt => Volatile.Read(ref _retryNotBeforeTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Keys usable for validation now, loading them when there are none (or only ones past the staleness limit).</summary>
    public ValueTask<IssuerKeySet?> GetKeysAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && _time.GetUtcNow() <= current.UsableUntil)
        {
            KeyTelemetry.MemoryLookup(_metrics, Settings.IssuerName, hit: true);
            return new ValueTask<IssuerKeySet?>(current);
        }

        KeyTelemetry.MemoryLookup(_metrics, Settings.IssuerName, hit: false);
        return LoadForRequestAsync(cancellationToken);
    }

    /// <summary>
    /// Called when a token names a kid the current set lacks. Loads at most once per interval (and never
    /// during the backoff after a failure); in between, and for kids a load already failed to find, it
    /// answers from memory at once.
    /// </summary>
    public async ValueTask<KidRefreshResult> RefreshForUnknownKidAsync(string kid, CancellationToken cancellationToken)
    {
        if (_source.Origin is ILocalKeySource local)
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
            earlier = _inflightReason == KeyLoadReason.UnknownKid ? null : _inflight;
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
                load = StartLoadLocked(KeyLoadReason.UnknownKid, kid);
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
        if (_source.Origin is ILocalKeySource local)
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
            return _inflight ?? StartLoadLocked(current is null ? KeyLoadReason.Cold : KeyLoadReason.Scheduled, null);
        }
    }

    /// <summary>Another replica published new keys (a change notice): take them from the shared store (never from the IdP).</summary>
    public Task ReloadFromSharedAsync() => _source.ReloadPublishedAsync(this);

    private async ValueTask<IssuerKeySet?> LoadForRequestAsync(CancellationToken cancellationToken)
    {
        Task<LoadOutcome>? load;
        lock (_gate)
        {
            // Between retries the answer comes from memory: a request never starts a load the backoff forbids.
            load = _inflight ?? (InBackoff(_time.GetUtcNow()) ? null : StartLoadLocked(_current is null ? KeyLoadReason.Cold : KeyLoadReason.Scheduled, null));
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

    private Task<LoadOutcome> StartLoadLocked(KeyLoadReason reason, string? kid)
    {
        if (_released)
        {
            return ReleasedOutcome(); // IssuerKeyManager.Lifetime.cs
        }

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

    private async Task<LoadOutcome> LoadAsync(KeyLoadReason reason, string? kid)
    {
        // Never run I/O inside the caller's lock, and never on the caller's synchronization context (a caller that blocks on
        // the load would wait for itself): continue on the thread pool.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        try
        {
            using var activity = KeyTelemetry.StartLoad(Settings.IssuerName, reason);
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

    private async Task<LoadOutcome> LoadCoreAsync(KeyLoadReason reason, string? kid)
    {
        try
        {
            var keys = await _source.LoadAsync(new KeyLoadRequest(reason, kid), this).ConfigureAwait(false);
            return keys is null
                ? new LoadOutcome(_current, LoadResult.Unchanged)
                : Succeeded(keys);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Failed(ex);
        }
    }

    IssuerKeySet IKeyMemory.Apply(IssuerKeySet set) => Apply(set);

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
        Log.KeysLoaded(_logger, Settings.IssuerName, set.Keys.Count, set.Source.Name());
        return set;
    }

    private LoadOutcome Succeeded(IssuerKeySet set)
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        Volatile.Write(ref _retryNotBeforeTicks, 0);
        _lastFailure = null;
        return new LoadOutcome(set, LoadResult.Loaded);
    }

    private LoadOutcome Failed(Exception ex)
    {
        var now = _time.GetUtcNow();
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        Volatile.Write(ref _retryNotBeforeTicks, (now + RetryBackoff.Delay(failures, _jitter.NextDouble())).UtcTicks);
        var error = KeyLoadFailure.Describe(ex);
        _lastFailure = new KeyLoadFailure(_lastFailure?.Since ?? now, now, failures, error);
        var current = _current;
        Log.KeyLoadFailed(_logger, Settings.IssuerName, Settings.SourceAddress, ex.GetType().Name, ex is NoUsableSigningKeyException or LocalKeySourceException ? error : ex.Message, current is not null, current?.UsableUntil);
        return new LoadOutcome(current, LoadResult.Failed);
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
