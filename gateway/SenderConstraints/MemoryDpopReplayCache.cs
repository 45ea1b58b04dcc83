using System.Collections.Concurrent;

namespace Gateway.SenderConstraints;

/// <summary>
/// Used proof ids of this replica, in memory. Invariants: at most <c>maxEntries</c> ids are held (a slot is reserved
/// before an insert, so the bound is never exceeded); an id is refused as a replay until its retention ended. When the
/// memory is full of ids still retained, a new proof cannot be checked and is refused (<see cref="ReplayCheck.Unavailable"/>):
/// forgetting an id early would let its proof be replayed. Expired ids are swept when the memory is full, at most
/// every 100 ms. Alone (no Redis) it protects one replica: a proof replayed at another replica is not seen.
/// </summary>
internal sealed class MemoryDpopReplayCache : IDpopReplayCache
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<UInt128, long> _expiries = new();
    private readonly int _maxEntries;
    private readonly TimeProvider _time;
    private readonly Lock _sweepGate = new();
    private int _count;
    private long _lastSweepTicks;

    public MemoryDpopReplayCache(int maxEntries, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentNullException.ThrowIfNull(time);
        _maxEntries = maxEntries;
        _time = time;
    }

    public string Store => "memory";

    /// <summary>Ids held now (expired ones included until swept).</summary>
    public int Count => Volatile.Read(ref _count);

    public ValueTask<ReplayCheck> TryUseAsync(UInt128 proofId, TimeSpan retention, CancellationToken cancellationToken) => new(TryUse(proofId, retention));

    public ReplayCheck TryUse(UInt128 proofId, TimeSpan retention)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var expiry = now + retention.Ticks;
        if (_expiries.TryGetValue(proofId, out var existing))
        {
            if (existing > now)
            {
                return ReplayCheck.Replayed;
            }

            // Expired but not swept yet: reuse its slot; a concurrent use of the same id loses the compare.
            return _expiries.TryUpdate(proofId, expiry, existing) ? ReplayCheck.First : ReplayCheck.Replayed;
        }

        if (!ReserveSlot(now))
        {
            return ReplayCheck.Unavailable;
        }

        if (_expiries.TryAdd(proofId, expiry))
        {
            return ReplayCheck.First;
        }

        Interlocked.Decrement(ref _count); // a concurrent use of the same id got there first
        return ReplayCheck.Replayed;
    }

    private bool ReserveSlot(long now)
    {
        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        Sweep(now);
        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    private void Sweep(long now)
    {
        lock (_sweepGate)
        {
            if (now - _lastSweepTicks < SweepInterval.Ticks)
            {
                return;
            }

            _lastSweepTicks = now;
            foreach (var (id, expiry) in _expiries)
            {
                if (expiry <= now && _expiries.TryRemove(new KeyValuePair<UInt128, long>(id, expiry)))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }
}
