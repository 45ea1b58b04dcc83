using Gateway.Observability;
using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

/// <summary>
/// The fleet protocol in front of an issuer's origin, so replicas fetch once for the fleet (docs/key-cache.md, "One
/// fetch for the fleet"). Exists only when Redis is configured; without it the manager talks to the origin directly.
/// <list type="number">
/// <item>A shared copy that is fresh enough for the load's reason is used as it is.</item>
/// <item>Otherwise the load takes a fetch lease (<see cref="FetchLeasePurpose.Load"/> for first and scheduled loads,
/// <see cref="FetchLeasePurpose.Kid"/> for unknown kids: one such fetch per interval for the whole fleet).</item>
/// <item>The holder fetches from the origin, publishes the document (the store signs it and sends a change notice) and
/// marks its lease done — only when the entry was written — or failed.</item>
/// <item>A replica that lost the lease waits for the holder's result as long as the holder may take
/// (<see cref="KeySourceSettings.FetchTimeout"/> plus <see cref="KeySourceSettings.PeerFetchWait"/>) and stops early when
/// the lease says how the fetch ended; with no result it fetches itself (a scheduled refresh keeps its fresh keys instead).</item>
/// </list>
/// The store never throws (an unavailable Redis reads as a miss and grants every lease), so an outage costs the sharing,
/// never the keys.
/// </summary>
internal sealed partial class FleetKeySource : IKeySource
{
    /// <summary>How often a replica waiting for a peer's fetch reads the lease and the entry.</summary>
    public static readonly TimeSpan PeerPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly OriginKeySource _origin;
    private readonly ISharedKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public FleetKeySource(OriginKeySource origin, ISharedKeyStore store, TimeProvider time, ILogger logger)
    {
        _origin = origin;
        _store = store;
        _time = time;
        _logger = logger;
    }

    public IKeyDocumentFetcher Origin => _origin.Origin;

    public async Task<IssuerKeySet?> LoadAsync(KeyLoadRequest request, IKeyMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var settings = memory.Settings;
        var purpose = request.Reason == KeyLoadReason.UnknownKid ? FetchLeasePurpose.Kid : FetchLeasePurpose.Load;
        KeyDocument? shared = null;
        var holdsLease = false;
        try
        {
            using (var sharedBudget = new CancellationTokenSource(settings.FetchTimeout, _time))
            {
                shared = await _store.GetAsync(settings.IssuerName, settings.SourceAddress, sharedBudget.Token).ConfigureAwait(false);
                var fromShared = shared is not null && SharedCopyWillDo(shared, request.Reason, memory) ? Parse(shared, settings) : null;
                KeyTelemetry.SharedLookup(_origin.Metrics, settings.IssuerName, fromShared is not null);
                if (fromShared is not null)
                {
                    var applied = memory.Apply(fromShared);
                    if (request.Kid is null || applied.ById.ContainsKey(request.Kid))
                    {
                        return applied;
                    }

                    // Newer than ours but fetched before the key was rotated in: still ask the origin (under the kid lease).
                }

                holdsLease = await _store.TryAcquireFetchLeaseAsync(settings.IssuerName, settings.SourceAddress, purpose, LeaseDuration(purpose, settings), sharedBudget.Token).ConfigureAwait(false);
            }

            if (!holdsLease)
            {
                if (await WaitForPeerAsync(purpose, memory).ConfigureAwait(false) is { } fromPeer)
                {
                    return fromPeer;
                }

                if (request.Reason == KeyLoadReason.Scheduled && memory.Current is not null)
                {
                    Log.PeerFetchPending(_logger, settings.IssuerName, purpose.Name());
                    return null; // keys still fresh: the next tick tries again
                }

                Log.PeerFetchMissing(_logger, settings.IssuerName, purpose.Name());
            }

            // The origin gets a full budget of its own, whatever the shared level used up.
            var (document, fetched) = await _origin.FetchAsync(settings).ConfigureAwait(false);
            var set = memory.Apply(fetched);

            // Not bound to the load's budget (which the fetch may have used up): a fetched key set is always offered to
            // the fleet. The store bounds each Redis command itself.
            var published = await _store.PublishAsync(settings.IssuerName, settings.SourceAddress, document, CancellationToken.None).ConfigureAwait(false);
            if (holdsLease)
            {
                // "done" tells waiting replicas that the entry in Redis is this result, and they check a kid against it
                // without fetching: only true when the write landed (it may time out, e.g. during a Sentinel failover).
                // Otherwise "failed": they load the keys themselves instead of answering a false 401.
                await _store.CompleteFetchLeaseAsync(settings.IssuerName, settings.SourceAddress, purpose, succeeded: published, CancellationToken.None).ConfigureAwait(false);
            }

            return set;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (holdsLease)
            {
                // Replicas waiting for this fetch stop waiting and load themselves.
                await _store.CompleteFetchLeaseAsync(settings.IssuerName, settings.SourceAddress, purpose, succeeded: false, CancellationToken.None).ConfigureAwait(false);
            }

            // Stale-if-error: with nothing in memory, an old shared copy within the staleness limit beats nothing.
            if (memory.Current is null && shared is not null && _time.GetUtcNow() - shared.FetchedAt <= settings.MaxStaleness && Parse(shared, settings) is { } stale)
            {
                memory.Apply(stale);
            }

            throw;
        }
    }

    public async Task ReloadPublishedAsync(IKeyMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var settings = memory.Settings;
        using var timeout = new CancellationTokenSource(settings.FetchTimeout, _time);
        var shared = await _store.GetAsync(settings.IssuerName, settings.SourceAddress, timeout.Token).ConfigureAwait(false);
        if (shared is not null && IsNewer(shared, memory) && Parse(shared, settings) is { } set)
        {
            memory.Apply(set);
        }
    }

    // Unknown kids: one fetch per interval for the whole fleet (the lease expires, never released). First and scheduled
    // loads: one replica at a time (released once published). Either lease outlives the holder's whole budget
    // (PeerBudget), so no second replica fetches while it works.
    private static TimeSpan LeaseDuration(FetchLeasePurpose purpose, KeySourceSettings settings) =>
        purpose == FetchLeasePurpose.Kid && settings.UnknownKidRefreshInterval > PeerBudget(settings) ? settings.UnknownKidRefreshInterval : PeerBudget(settings);

    // How long the holder of a fetch lease may take to publish its result: its fetch budget, plus the grace.
    private static TimeSpan PeerBudget(KeySourceSettings settings) => settings.FetchTimeout + settings.PeerFetchWait;

    // Cold: any copy within its lifetime. Refresh: only a copy newer than ours that is not itself due.
    // Unknown kid: any copy newer than ours (another replica just fetched).
    private bool SharedCopyWillDo(KeyDocument shared, KeyLoadReason reason, IKeyMemory memory)
    {
        var age = _time.GetUtcNow() - shared.FetchedAt;
        var lifetime = memory.Settings.LifetimeFor(shared.MaxAge);
        return reason switch
        {
            KeyLoadReason.Cold => age < lifetime,
            KeyLoadReason.Scheduled => IsNewer(shared, memory) && age < lifetime * KeySourceSettings.RefreshAheadRatio,
            _ => IsNewer(shared, memory),
        };
    }

    private static bool IsNewer(KeyDocument document, IKeyMemory memory) => memory.Current is not { } current || document.FetchedAt > current.FetchedAt;

    private static IssuerKeySet? Parse(KeyDocument shared, KeySourceSettings settings) => IssuerKeySet.FromDocument(shared, KeySetSource.SharedStore, settings);
}
