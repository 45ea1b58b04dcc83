using Gateway.SenderConstraints;

namespace Gateway.Configuration.Validation;

/// <summary>
/// <c>Gateway:CertificateBinding</c>: a client certificate forwarded in a header is read only from the listed proxies
/// that terminate TLS (RFC 8705 behind a proxy).
/// </summary>
internal sealed class CertificateBindingRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var binding = context.Gateway.CertificateBinding;
        if (binding.ClientCertificateHeader is { } header)
        {
            if (string.Equals(header, SenderConstraintEnforcer.ProofHeader, StringComparison.OrdinalIgnoreCase) || string.Equals(header, SenderConstraintEnforcer.NonceHeader, StringComparison.OrdinalIgnoreCase))
            {
                context.Add("Gateway:CertificateBinding:ClientCertificateHeader", $"'{header}' is a header with another meaning: use a dedicated header, e.g. X-Client-Cert");
            }
            else
            {
                HeaderChecks.RequireSettableHeader(header, "Gateway:CertificateBinding:ClientCertificateHeader", context);
            }

            if (binding.TrustedProxies.Count == 0)
            {
                context.Add("Gateway:CertificateBinding:TrustedProxies", "required with ClientCertificateHeader: list the addresses or networks of the proxies that terminate TLS (the header is ignored from anyone else)");
            }
        }
        else if (binding.TrustedProxies.Count > 0)
        {
            context.Add("Gateway:CertificateBinding:TrustedProxies", "has no effect without ClientCertificateHeader: set the header the proxies send the client certificate in, or remove the list");
        }

        for (var i = 0; i < binding.TrustedProxies.Count; i++)
        {
            if (!ClientCertificateSource.TryParseProxy(binding.TrustedProxies[i], out _))
            {
                context.Add($"Gateway:CertificateBinding:TrustedProxies:{i}", $"'{binding.TrustedProxies[i]}' is not an IP address or network (10.0.0.5, 10.0.0.0/8, fd00::/8; a network with no host bits set, no IPv6 scope)");
            }
        }
    }
}
