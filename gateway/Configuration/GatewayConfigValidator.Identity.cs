namespace Gateway.Configuration;

/// <summary>The rules for the identity headers a downstream trusts: the issuer header and per-issuer claim headers.</summary>
internal sealed partial class GatewayConfigValidator
{
    private static void ValidateIdentityHeaders(GatewayOptions gateway, ProxySection proxy, List<ConfigError> errors)
    {
        var issuerHeader = gateway.IssuerHeader;
        if (string.IsNullOrWhiteSpace(issuerHeader))
        {
            errors.Add(new("Gateway:IssuerHeader", "the issuer header cannot be disabled: name a header (default X-Auth-Issuer)"));
        }
        else
        {
            ValidateHeaderName(issuerHeader, "Gateway:IssuerHeader", errors);
        }

        foreach (var (name, issuer) in gateway.Issuers)
        {
            if (issuer.ClaimHeaders is not null)
            {
                ValidateClaimHeaders(issuer.ClaimHeaders, $"Gateway:Issuers:{name}:ClaimHeaders", allowRemoval: true, errors);
            }
        }

        if (string.IsNullOrWhiteSpace(issuerHeader))
        {
            return;
        }

        // The issuer header is the gateway's own: no claim may set it, and a token is never read from it.
        RefuseIssuerHeader(gateway.ClaimHeaders, "Gateway:ClaimHeaders", issuerHeader, errors);
        foreach (var (name, issuer) in gateway.Issuers)
        {
            RefuseIssuerHeader(issuer.ClaimHeaders, $"Gateway:Issuers:{name}:ClaimHeaders", issuerHeader, errors);
        }

        foreach (var (name, policy) in gateway.Policies)
        {
            RefuseIssuerHeader(policy.ClaimHeaders, $"Gateway:Policies:{name}:ClaimHeaders", issuerHeader, errors);
        }

        foreach (var route in proxy.Routes)
        {
            foreach (var key in route.Metadata?.Keys ?? [])
            {
                if (key.StartsWith(ClaimHeaderMetadataPrefix, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(key[ClaimHeaderMetadataPrefix.Length..], issuerHeader, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new($"ReverseProxy:Routes:{route.RouteId}:Metadata:{key}", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); only the gateway sets it"));
                }
            }
        }

        for (var i = 0; i < gateway.TokenSources.Headers.Count; i++)
        {
            if (string.Equals(gateway.TokenSources.Headers[i], issuerHeader, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new($"Gateway:TokenSources:Headers:{i}", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); it cannot carry a token"));
            }
        }
    }

    private static void RefuseIssuerHeader(IReadOnlyList<ClaimHeaderOptions>? headers, string path, string issuerHeader, List<ConfigError> errors)
    {
        for (var i = 0; i < (headers?.Count ?? 0); i++)
        {
            if (string.Equals(headers![i].Header, issuerHeader, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new($"{path}:{i}:Header", $"'{issuerHeader}' is the issuer header (Gateway:IssuerHeader); only the gateway sets it"));
            }
        }
    }
}
