using System.Collections.Frozen;

namespace Gateway.Tokens;

/// <summary>The configured issuers, found by the exact <c>iss</c> a token carries.</summary>
internal sealed class IssuerRegistry
{
    private readonly FrozenDictionary<string, IssuerProvider> _byIssuer;

    private readonly IssuerProvider[] _all;

    public IssuerRegistry(IEnumerable<IssuerProvider> issuers)
    {
        _all = issuers.ToArray();
        All = _all;
        _byIssuer = All.ToFrozenDictionary(i => i.ExpectedIssuer, StringComparer.Ordinal);
        ByName = All.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IssuerProvider> All { get; }

    public FrozenDictionary<string, IssuerProvider> ByName { get; }

    /// <summary>Whether this very issuer object (not one with the same name from another configuration) is registered here.</summary>
    public bool Contains(IssuerProvider issuer)
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

    public IssuerProvider? FindByIssuerClaim(string? iss) =>
        iss is not null && _byIssuer.TryGetValue(iss, out var issuer) ? issuer : null;
}
