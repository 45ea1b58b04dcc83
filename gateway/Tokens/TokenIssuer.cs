namespace Gateway.Tokens;

/// <summary>
/// What policies and claim headers know of the issuer that verified a token: its configured name and the claim
/// holding its roles. Nothing about keys or verification (that is the <see cref="IssuerProvider"/>'s business).
/// </summary>
internal sealed record TokenIssuer(string Name, ClaimPath RoleClaim)
{
    /// <summary>The issuer's <c>Dpop</c> mode (a policy may require more).</summary>
    public Configuration.DpopMode Dpop { get; init; } = Configuration.DpopMode.Allowed;
}
