using Gateway.SenderConstraints;

namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    // Gateway:Dpop, Gateway:CertificateBinding, and the policies' Dpop / RequireCertificateBoundToken.
    private static void ValidateSenderConstraints(GatewayOptions gateway, List<ConfigError> errors)
    {
        var dpop = gateway.Dpop;
        for (var i = 0; i < dpop.Algorithms.Count; i++)
        {
            var algorithm = dpop.Algorithms[i];
            if (!DpopOptions.SupportedAlgorithms.Contains(algorithm))
            {
                errors.Add(new($"Gateway:Dpop:Algorithms:{i}", $"'{algorithm}' is not an allowed DPoP proof algorithm: proofs are signed with an asymmetric key (allowed: {string.Join(", ", DpopOptions.SupportedAlgorithms)})"));
            }
        }

        if (dpop.ProofMaxAge < TimeSpan.FromSeconds(1) || dpop.ProofMaxAge > TimeSpan.FromHours(1))
        {
            errors.Add(new("Gateway:Dpop:ProofMaxAge", "must be between 00:00:01 and 01:00:00"));
        }

        if (dpop.ProofClockSkew < TimeSpan.Zero || dpop.ProofClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add(new("Gateway:Dpop:ProofClockSkew", "must be between 00:00:00 and 00:05:00"));
        }

        for (var i = 0; i < dpop.PublicOrigins.Count; i++)
        {
            if (dpop.PublicOrigins[i] is not { } origin || DpopProofVerifier.TryNormaliseOrigin(origin) is null)
            {
                errors.Add(new($"Gateway:Dpop:PublicOrigins:{i}", $"'{dpop.PublicOrigins[i]}' is not an origin: write scheme://host[:port], e.g. https://api.example.com (no path, no trailing '/')"));
            }
        }

        if (dpop.RequireNonce && string.IsNullOrWhiteSpace(dpop.NonceKey))
        {
            errors.Add(new("Gateway:Dpop:NonceKey", "required with RequireNonce: a secret of at least 32 characters, the same on every replica (e.g. Gateway__Dpop__NonceKey)"));
        }
        else if (dpop.NonceKey is { } key && key.Trim().Length < 32)
        {
            errors.Add(new("Gateway:Dpop:NonceKey", "must be at least 32 characters"));
        }

        if (dpop.NonceLifetime < TimeSpan.FromSeconds(10) || dpop.NonceLifetime > TimeSpan.FromHours(1))
        {
            errors.Add(new("Gateway:Dpop:NonceLifetime", "must be between 00:00:10 and 01:00:00"));
        }

        RequireRange(dpop.ReplayCacheMaxEntries, 1_000, 10_000_000, "Gateway:Dpop:ReplayCacheMaxEntries", errors);
        RequireRange(dpop.MaxProofLength, 512, 65_536, "Gateway:Dpop:MaxProofLength", errors);

        var binding = gateway.CertificateBinding;
        if (binding.ClientCertificateHeader is { } header)
        {
            if (string.Equals(header, SenderConstraintEnforcer.ProofHeader, StringComparison.OrdinalIgnoreCase) || string.Equals(header, SenderConstraintEnforcer.NonceHeader, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new("Gateway:CertificateBinding:ClientCertificateHeader", $"'{header}' is a header with another meaning: use a dedicated header, e.g. X-Client-Cert"));
            }
            else
            {
                ValidateHeaderName(header, "Gateway:CertificateBinding:ClientCertificateHeader", errors);
            }

            if (binding.TrustedProxies.Count == 0)
            {
                errors.Add(new("Gateway:CertificateBinding:TrustedProxies", "required with ClientCertificateHeader: list the addresses or networks of the proxies that terminate TLS (the header is ignored from anyone else)"));
            }
        }
        else if (binding.TrustedProxies.Count > 0)
        {
            errors.Add(new("Gateway:CertificateBinding:TrustedProxies", "has no effect without ClientCertificateHeader: set the header the proxies send the client certificate in, or remove the list"));
        }

        for (var i = 0; i < binding.TrustedProxies.Count; i++)
        {
            if (!ClientCertificateSource.TryParseProxy(binding.TrustedProxies[i], out _))
            {
                errors.Add(new($"Gateway:CertificateBinding:TrustedProxies:{i}", $"'{binding.TrustedProxies[i]}' is not an IP address or network (10.0.0.5, 10.0.0.0/8, fd00::/8; a network with no host bits set, no IPv6 scope)"));
            }
        }

        foreach (var (name, policy) in gateway.Policies)
        {
            if (policy.Anonymous && policy.Dpop is not null)
            {
                errors.Add(new($"Gateway:Policies:{name}:Dpop", "an anonymous policy reads no token: DPoP cannot apply to it"));
            }

            if (policy.Anonymous && policy.RequireCertificateBoundToken)
            {
                errors.Add(new($"Gateway:Policies:{name}:RequireCertificateBoundToken", "an anonymous policy reads no token: it cannot require a certificate-bound one"));
            }
        }
    }
}
