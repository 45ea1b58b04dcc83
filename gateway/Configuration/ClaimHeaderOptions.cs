namespace Gateway.Configuration;

/// <summary>Forward the verified claim at <see cref="Claim"/> as request header <see cref="Header"/>.</summary>
internal sealed record ClaimHeaderOptions
{
    /// <summary>
    /// A <see cref="Claim"/> that names no claim but the authenticating issuer's <c>RoleClaim</c>: the header then
    /// carries exactly the claim the policy's role checks read for that issuer.
    /// </summary>
    public const string IssuerRoles = "$roles";

    public string Header { get; init; } = "";

    /// <summary>Claim path (<c>org.tenant</c>), or <see cref="IssuerRoles"/>. Empty in an override: do not forward this header.</summary>
    public string Claim { get; init; } = "";
}
