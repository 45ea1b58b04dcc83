namespace Gateway.Configuration;

/// <summary>One <c>Metadata:ClaimHeader.{header}</c> entry of a route.</summary>
/// <param name="Key">The metadata key as written (the error path names it).</param>
/// <param name="Header">The header the claim is sent in.</param>
/// <param name="Claim">The claim path; empty removes a header set at a wider level.</param>
internal sealed record RouteClaimHeader(string Key, string Header, string Claim);
