using Gateway.Tokens;

namespace Gateway.Revocation;

/// <summary>
/// An immutable set of revocations, indexed for the request path. Invariants:
/// <list type="bullet">
/// <item>never changed after construction: readers need no lock, and a change builds a new set (copy on write);</item>
/// <item>a lookup allocates nothing and hashes each of the token's identifiers once: entries are indexed by value
/// (jti, sub, sid), each value holding its few entries (one per issuer, or one for any issuer);</item>
/// <item>an entry past its <see cref="RevocationEntry.ExpiresAt"/> matches nothing, whether or not it was purged yet.</item>
/// </list>
/// </summary>
internal sealed class RevocationSet
{
    private readonly Dictionary<string, RevocationEntry[]> _tokenIds;
    private readonly Dictionary<string, RevocationEntry[]> _subjects;
    private readonly Dictionary<string, RevocationEntry[]> _sessions;

    public static RevocationSet Empty { get; } = new([]);

    public RevocationSet(IEnumerable<RevocationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var byKey = new Dictionary<(RevocationKind, string?, string), RevocationEntry>();
        foreach (var entry in entries)
        {
            // Two revocations of the same thing (two sources, a replay): the one that refuses more wins.
            var key = (entry.Kind, entry.Issuer, entry.Value);
            byKey[key] = byKey.TryGetValue(key, out var existing) ? Stronger(existing, entry) : entry;
        }

        Entries = [.. byKey.Values];
        Count = Entries.Count;
        _tokenIds = Index(Entries, RevocationKind.TokenId);
        _subjects = Index(Entries, RevocationKind.Subject);
        _sessions = Index(Entries, RevocationKind.Session);
    }

    public int Count { get; }

    public IReadOnlyList<RevocationEntry> Entries { get; }

    /// <summary>Whether a verified token of <paramref name="issuer"/> with these identifiers is revoked now (the clock is read only on a match).</summary>
    public bool IsRevoked(string issuer, TokenIdentifiers token, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(time);
        if (token.TokenId is { } jti && _tokenIds.Count > 0 && _tokenIds.TryGetValue(jti, out var byJti) && Matches(byJti, issuer, null, time))
        {
            return true;
        }

        if (token.SessionId is { } sid && _sessions.Count > 0 && _sessions.TryGetValue(sid, out var bySid) && Matches(bySid, issuer, null, time))
        {
            return true;
        }

        // No iat: the token cannot show it was issued after the cutoff (fail closed).
        return token.Subject is { } sub && _subjects.Count > 0 && _subjects.TryGetValue(sub, out var bySub) && Matches(bySub, issuer, token.IssuedAt ?? long.MinValue, time);
    }

    // issuedAt: null for jti and sid entries; for a subject, the token's iat (Unix seconds), refused when before the cutoff.
    private static bool Matches(RevocationEntry[] entries, string issuer, long? issuedAt, TimeProvider time)
    {
        foreach (var entry in entries)
        {
            if ((entry.Issuer is null || string.Equals(entry.Issuer, issuer, StringComparison.Ordinal))
                && (issuedAt is not { } iat || iat == long.MinValue || DateTimeOffset.FromUnixTimeSeconds(iat) < entry.IssuedBefore)
                && time.GetUtcNow() < entry.ExpiresAt)
            {
                return true;
            }
        }

        return false;
    }

    private static Dictionary<string, RevocationEntry[]> Index(IEnumerable<RevocationEntry> entries, RevocationKind kind) =>
        entries.Where(e => e.Kind == kind).GroupBy(e => e.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    private static RevocationEntry Stronger(RevocationEntry a, RevocationEntry b) => a with
    {
        IssuedBefore = a.IssuedBefore is { } x && b.IssuedBefore is { } y ? (x > y ? x : y) : a.IssuedBefore ?? b.IssuedBefore,
        ExpiresAt = a.ExpiresAt > b.ExpiresAt ? a.ExpiresAt : b.ExpiresAt,
        CreatedAt = a.CreatedAt > b.CreatedAt ? a.CreatedAt : b.CreatedAt,
    };
}
