using System.Collections.Frozen;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Forwarding;

/// <summary>
/// The identity headers of one route, compiled at load time: for each configured issuer, the claim headers merged
/// from the global, issuer, policy and route settings (a claim path can differ per issuer, and <c>$roles</c> is
/// that issuer's role claim); and the issuer header, which names the issuer that authenticated the request, so two
/// issuers' tokens with the same claims never look the same to the downstream.
/// </summary>
internal sealed class ClaimHeaderPlan
{
    private readonly FrozenDictionary<string, IssuerClaimHeaders> _byIssuer;

    public ClaimHeaderPlan(string issuerHeader, IEnumerable<IssuerClaimHeaders> issuers)
    {
        ArgumentNullException.ThrowIfNull(issuerHeader);
        ArgumentNullException.ThrowIfNull(issuers);
        IssuerHeader = issuerHeader;
        _byIssuer = issuers.ToFrozenDictionary(i => i.IssuerName, StringComparer.Ordinal);
    }

    /// <summary>The plan of anonymous routes: no identity header is ever set (they are still stripped).</summary>
    public static ClaimHeaderPlan Empty { get; } = new("", []);

    public string IssuerHeader { get; }

    /// <summary>The claim headers set for tokens of <paramref name="issuerName"/> (empty for an unknown issuer).</summary>
    public IReadOnlyList<ClaimHeaderMapping> MappingsFor(string issuerName) =>
        _byIssuer.TryGetValue(issuerName, out var set) ? set.Mappings : [];

    /// <summary>
    /// Sets the claim headers of <paramref name="issuer"/>'s mappings and the issuer header. Throws for an issuer
    /// this plan was not compiled for (a token of another configuration): such a request must not be forwarded.
    /// </summary>
    public void Apply(TokenIssuer issuer, TokenClaims claims, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(headers);
        if (!_byIssuer.TryGetValue(issuer.Name, out var set))
        {
            throw new InvalidOperationException($"No claim headers were compiled for issuer '{issuer.Name}'.");
        }

        set.Apply(claims, headers);
        headers[IssuerHeader] = set.IssuerValue; // last: nothing else may set it
    }
}
