using Gateway.Tokens;

namespace Gateway.Revocation;

/// <summary>
/// The revocations this replica enforces: those shared through Redis (replaced as a whole by each
/// synchronisation) plus local ones (made on this instance while Redis was not configured or not reachable).
/// The request path reads one immutable <see cref="RevocationSet"/> without a lock and never waits for Redis;
/// with no revocation at all it costs one field read and one comparison.
/// </summary>
internal sealed class RevocationList
{
    private readonly object _write = new();
    private readonly TimeProvider _time;
    private Dictionary<string, RevocationEntry> _shared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RevocationEntry> _local = new(StringComparer.Ordinal);
    private volatile RevocationSet _current = RevocationSet.Empty;
    private int _localCount;

    public RevocationList(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Whether some revocations are held on this instance only (made while Redis was unreachable, or without Redis).</summary>
    public bool HasLocal => _current.Count != 0 && Volatile.Read(ref _localCount) != 0;

    /// <summary>Revocations in force (expired ones may linger until the next purge; they match nothing).</summary>
    public RevocationSet Current => _current;

    /// <summary>The request-path check: lock-free, allocation-free, synchronous.</summary>
    public bool IsRevoked(string issuer, TokenClaims claims)
    {
        var set = _current;
        return set.Count != 0 && set.IsRevoked(issuer, claims.Identifiers, _time);
    }

    /// <summary>
    /// Replaces the shared revocations with what Redis holds now (a synchronisation). <paramref name="promoted"/>: ids
    /// of local entries that were just written to Redis, now shared.
    /// </summary>
    public void ReplaceShared(IEnumerable<RevocationEntry> entries, IEnumerable<string>? promoted = null)
    {
        var now = _time.GetUtcNow();
        var shared = new Dictionary<string, RevocationEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.ExpiresAt > now)
            {
                shared[entry.Id] = entry;
            }
        }

        lock (_write)
        {
            _shared = shared;
            foreach (var id in promoted ?? [])
            {
                _local.Remove(id);
            }

            Publish();
        }
    }

    /// <summary>A revocation just written to Redis: enforced here at once, before its change notice comes back.</summary>
    public void AddShared(RevocationEntry entry) => Change(() => _shared[entry.Id] = entry);

    /// <summary>A revocation this instance keeps for itself (no Redis, or Redis unreachable when it was made). Survives synchronisations.</summary>
    public void AddLocal(RevocationEntry entry) => Change(() => _local[entry.Id] = entry);

    /// <summary>Removes a revocation from both levels; true when it was here.</summary>
    public bool Remove(string id)
    {
        var removed = false;
        Change(() => removed = _shared.Remove(id) | _local.Remove(id));
        return removed;
    }

    /// <summary>Drops expired entries (memory stays bounded by the lifetime of the tokens they could match).</summary>
    public void Purge()
    {
        var now = _time.GetUtcNow();
        lock (_write)
        {
            var removed = RemoveExpired(_shared, now) + RemoveExpired(_local, now);
            if (removed > 0)
            {
                Publish();
            }
        }
    }

    private void Change(Action change)
    {
        lock (_write)
        {
            change();
            Publish();
        }
    }

    private static int RemoveExpired(Dictionary<string, RevocationEntry> entries, DateTimeOffset now)
    {
        var expired = entries.Where(e => e.Value.ExpiresAt <= now).Select(e => e.Key).ToList();
        foreach (var id in expired)
        {
            entries.Remove(id);
        }

        return expired.Count;
    }

    // Under _write: one new immutable set, published with a single volatile write.
    private void Publish()
    {
        Volatile.Write(ref _localCount, _local.Count);
        _current = _shared.Count + _local.Count == 0 ? RevocationSet.Empty : new RevocationSet(_shared.Values.Concat(_local.Values));
    }
}
