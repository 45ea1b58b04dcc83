using System.Collections.Frozen;

namespace Gateway.Cors;

/// <summary>
/// A policy's allowed origins, compiled once per configuration: exact origins in a set, wildcard subdomains as
/// suffix checks. An origin is compared exactly as the browser sent it (ordinal): browsers send the canonical form,
/// and the configuration is validated to be in that form (<see cref="OriginPattern"/>).
/// </summary>
internal sealed class OriginMatcher
{
    private readonly FrozenSet<string> _exact;
    private readonly OriginPattern[] _wildcards;

    public OriginMatcher(IEnumerable<OriginPattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var all = patterns.ToList();
        _exact = all.Where(p => !p.IsWildcardSubdomain).Select(p => p.Text).ToFrozenSet(StringComparer.Ordinal);
        _wildcards = all.Where(p => p.IsWildcardSubdomain).ToArray();
    }

    public bool IsAllowed(string origin)
    {
        if (_exact.Contains(origin))
        {
            return true;
        }

        foreach (var wildcard in _wildcards)
        {
            if (wildcard.MatchesSubdomain(origin))
            {
                return true;
            }
        }

        return false;
    }
}
