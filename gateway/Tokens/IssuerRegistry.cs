using System.Collections.Frozen;

namespace Gateway.Tokens;

/// <summary>The configured issuers, found by the exact <c>iss</c> a token carries.</summary>
public sealed class IssuerRegistry
{
    private readonly FrozenDictionary<string, IssuerPolicy> _byIssuer;

    public IssuerRegistry(IEnumerable<IssuerPolicy> issuers)
    {
        All = issuers.ToArray();
        _byIssuer = All.ToFrozenDictionary(i => i.ExpectedIssuer, StringComparer.Ordinal);
        ByName = All.ToFrozenDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IssuerPolicy> All { get; }

    public FrozenDictionary<string, IssuerPolicy> ByName { get; }

    public IssuerPolicy? FindByIssuerClaim(string? iss) =>
        iss is not null && _byIssuer.TryGetValue(iss, out var issuer) ? issuer : null;
}
