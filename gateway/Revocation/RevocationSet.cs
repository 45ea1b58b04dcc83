using Gateway.Tokens;

namespace Gateway.Revocation;

/// <summary>
/// An immutable set of revocations, indexed for the request path. Invariants:
/// <list type="bullet">
/// <item>never changed after construction: readers need no lock, and a change builds a new set (copy on write);</item>
/// <item>a lookup allocates nothing: tuple keys of strings the token's <see cref="TokenIdentifiers"/> already hold;</item>
/// <item>an entry past its <see cref="RevocationEntry.ExpiresAt"/> matches nothing, whether or not it was purged yet.</item>
/// </list>
/// "Any issuer" is stored under the issuer name "" (configured issuer names are never empty).
/// </summary>
public sealed class RevocationSet
{
    private const string AnyIssuer = "";

    private readonly Dictionary<(string Issuer, string Value), RevocationEntry> _tokenIds;
    private readonly Dictionary<(string Issuer, string Value), RevocationEntry> _subjects;
    private readonly Dictionary<(string Issuer, string Value), RevocationEntry> _sessions;

    public static RevocationSet Empty { get; } = new([]);

    public RevocationSet(IEnumerable<RevocationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _tokenIds = [];
        _subjects = [];
        _sessions = [];
        foreach (var entry in entries)
        {
            var index = entry.Kind switch
            {
                RevocationKind.TokenId => _tokenIds,
                RevocationKind.Subject => _subjects,
                _ => _sessions,
            };
            var key = (entry.Issuer ?? AnyIssuer, entry.Value);

            // Two revocations of the same thing (two sources, a replay): the one that refuses more wins.
            index[key] = index.TryGetValue(key, out var existing) ? Stronger(existing, entry) : entry;
        }

        Count = _tokenIds.Count + _subjects.Count + _sessions.Count;
        Entries = [.. _tokenIds.Values, .. _subjects.Values, .. _sessions.Values];
    }

    public int Count { get; }

    public IReadOnlyList<RevocationEntry> Entries { get; }

    /// <summary>Whether a verified token of <paramref name="issuer"/> with these identifiers is revoked now (the clock is read only on a match).</summary>
    public bool IsRevoked(string issuer, TokenIdentifiers token, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(time);
        if (token.TokenId is { } jti && (Matches(_tokenIds, issuer, jti, time) || Matches(_tokenIds, AnyIssuer, jti, time)))
        {
            return true;
        }

        if (token.SessionId is { } sid && (Matches(_sessions, issuer, sid, time) || Matches(_sessions, AnyIssuer, sid, time)))
        {
            return true;
        }

        if (token.Subject is { } sub && _subjects.Count > 0 && _subjects.TryGetValue((issuer, sub), out var cutoff) && time.GetUtcNow() < cutoff.ExpiresAt)
        {
            // No iat: the token cannot show it was issued after the cutoff (fail closed).
            return token.IssuedAt is not { } iat || DateTimeOffset.FromUnixTimeSeconds(iat) < cutoff.IssuedBefore;
        }

        return false;
    }

    /// <summary>This set without the entries expired at <paramref name="now"/> (itself when none are).</summary>
    public RevocationSet WithoutExpired(DateTimeOffset now) =>
        Entries.Any(e => e.ExpiresAt <= now) ? new RevocationSet(Entries.Where(e => e.ExpiresAt > now)) : this;

    private static bool Matches(Dictionary<(string, string), RevocationEntry> index, string issuer, string value, TimeProvider time) =>
        index.Count > 0 && index.TryGetValue((issuer, value), out var entry) && time.GetUtcNow() < entry.ExpiresAt;

    private static RevocationEntry Stronger(RevocationEntry a, RevocationEntry b) => a with
    {
        IssuedBefore = a.IssuedBefore is { } x && b.IssuedBefore is { } y ? (x > y ? x : y) : a.IssuedBefore ?? b.IssuedBefore,
        ExpiresAt = a.ExpiresAt > b.ExpiresAt ? a.ExpiresAt : b.ExpiresAt,
        CreatedAt = a.CreatedAt > b.CreatedAt ? a.CreatedAt : b.CreatedAt,
    };
}
