using System.Collections.Frozen;

namespace Gateway.Tokens;

/// <summary>The configured issuers, found by the exact <c>iss</c> a token carries.</summary>
public sealed class IssuerRegistry
{
    private readonly FrozenDictionary<string, IssuerPolicy> _byIssuer;

    private readonly IssuerPolicy[] _all;

    public IssuerRegistry(IEnumerable<IssuerPolicy> issuers)
    {
        _all = issuers.ToArray();
        All = _all;
        _byIssuer = All.ToFrozenDictionary(i => i.ExpectedIssuer, StringComparer.Ordinal);
        ByName = All.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IssuerPolicy> All { get; }

    public FrozenDictionary<string, IssuerPolicy> ByName { get; }

    /// <summary>Whether this very issuer object (not one with the same name from another configuration) is registered here.</summary>
    public bool Contains(IssuerPolicy issuer)
    {
        foreach (var candidate in _all)
        {
            if (ReferenceEquals(candidate, issuer))
            {
                return true;
            }
        }

        return false;
    }

    public IssuerPolicy? FindByIssuerClaim(string? iss) =>
        iss is not null && _byIssuer.TryGetValue(iss, out var issuer) ? issuer : null;
}
