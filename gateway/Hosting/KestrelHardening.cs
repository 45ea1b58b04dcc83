using System.Security.Authentication;
using Gateway.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Hosting;

/// <summary>
/// Kestrel set deliberately: every limit from <c>Gateway:Limits</c> (read once at startup, <see cref="GatewayStartupSettings"/>), no
/// <c>Server</c> header, and TLS 1.2 or 1.3 only on every HTTPS endpoint (endpoints and certificates come from
/// Kestrel's own <c>Kestrel:Endpoints</c> section, client certificates from its <c>ClientCertificateMode</c>; whether
/// their chain is checked from <c>Gateway:CertificateBinding:ValidateClientCertificateChain</c>).
/// </summary>
internal static class KestrelHardening
{
    public static IWebHostBuilder ConfigureGatewayKestrel(this IWebHostBuilder builder, GatewayStartupSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);

        // Validated with the whole configuration before the host was built; a bad value never gets here.
        return builder.ConfigureKestrel(kestrel => Apply(kestrel, settings.Limits, settings.CertificateBinding));
    }

    public static void Apply(KestrelServerOptions kestrel, LimitOptions limits, CertificateBindingOptions? certificateBinding = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(limits);
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
        kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineSize;
        kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodySize;
        kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.Limits.MinRequestBodyDataRate = limits.MinRequestBodyDataRate > 0
            ? new MinDataRate(limits.MinRequestBodyDataRate, TimeSpan.FromSeconds(5))
            : null;
        kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
        kestrel.Limits.Http2.MaxRequestHeaderFieldSize = Math.Max(limits.MaxTokenLength + 1024, 16 * 1024);
        var acceptAnyClientCertificate = certificateBinding is { ValidateClientCertificateChain: false };
        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            // Whether a client certificate is asked for stays Kestrel's setting (Kestrel:Endpoints:<name>:ClientCertificateMode,
            // default none). Without chain validation a certificate proves only possession of its key: what a
            // certificate-bound token's x5t#S256 checks (RFC 8705 §2.2); nothing else in the gateway trusts it.
            if (acceptAnyClientCertificate)
            {
                https.ClientCertificateValidation = static (_, _, _) => true;
            }
        });
    }
}
