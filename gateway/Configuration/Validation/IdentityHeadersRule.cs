namespace Gateway.Configuration.Validation;

/// <summary>
/// The identity headers a downstream trusts: the issuer header (<c>Gateway:IssuerHeader</c>) and the issuers' claim
/// headers. The issuer header is the gateway's own: no claim may set it, and a token is never read from it.
/// </summary>
internal sealed class IdentityHeadersRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var gateway = context.Gateway;
        var issuerHeader = gateway.IssuerHeader;
        if (string.IsNullOrWhiteSpace(issuerHeader))
        {
            context.Add("Gateway:IssuerHeader", "the issuer header cannot be disabled: name a header (default X-Auth-Issuer)");
        }
        else
        {
            HeaderChecks.RequireSettableHeader(issuerHeader, "Gateway:IssuerHeader", context);
        }

        foreach (var (name, issuer) in gateway.Issuers)
        {
            if (issuer.ClaimHeaders is not null)
            {
                HeaderChecks.RequireClaimHeaders(issuer.ClaimHeaders, $"Gateway:Issuers:{name}:ClaimHeaders", allowRemoval: true, context);
            }
        }

        if (string.IsNullOrWhiteSpace(issuerHeader))
        {
            return;
        }

        RefuseIssuerHeader(gateway.ClaimHeaders, "Gateway:ClaimHeaders", issuerHeader, context);
        foreach (var (name, issuer) in gateway.Issuers)
        {
            RefuseIssuerHeader(issuer.ClaimHeaders, $"Gateway:Issuers:{name}:ClaimHeaders", issuerHeader, context);
        }

        foreach (var (name, policy) in gateway.Policies)
        {
            RefuseIssuerHeader(policy.ClaimHeaders, $"Gateway:Policies:{name}:ClaimHeaders", issuerHeader, context);
        }

        foreach (var route in context.Proxy.Routes)
        {
            foreach (var claimHeader in RouteMetadata.Read(route).ClaimHeaders)
            {
                if (string.Equals(claimHeader.Header, issuerHeader, StringComparison.OrdinalIgnoreCase))
                {
                    context.Add($"ReverseProxy:Routes:{route.RouteId}:Metadata:{claimHeader.Key}", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); only the gateway sets it");
                }
            }
        }

        for (var i = 0; i < gateway.TokenSources.Headers.Count; i++)
        {
            if (string.Equals(gateway.TokenSources.Headers[i], issuerHeader, StringComparison.OrdinalIgnoreCase))
            {
                context.Add($"Gateway:TokenSources:Headers:{i}", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); it cannot carry a token");
            }
        }
    }

    private static void RefuseIssuerHeader(IReadOnlyList<ClaimHeaderOptions>? headers, string path, string issuerHeader, ConfigValidationContext context)
    {
        for (var i = 0; i < (headers?.Count ?? 0); i++)
        {
            if (string.Equals(headers![i].Header, issuerHeader, StringComparison.OrdinalIgnoreCase))
            {
                context.Add($"{path}:{i}:Header", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); only the gateway sets it");
            }
        }
    }
}
