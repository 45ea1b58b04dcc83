using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.SenderConstraints;

/// <summary>
/// Where the client certificate of a request comes from, for certificate-bound tokens (RFC 8705): the TLS client
/// certificate of the connection, or, when the direct peer is one of <c>Gateway:CertificateBinding:TrustedProxies</c>
/// and <c>ClientCertificateHeader</c> is set, the certificate that proxy passes in the header (URL-encoded PEM) — and
/// then only that (the proxy's own TLS certificate is not the client's). The header is removed from every request
/// (<see cref="Capture"/>), whoever sent it: a downstream never sees a client-supplied copy.
/// </summary>
internal sealed class ClientCertificateSource
{
    private const int MaxHeaderLength = 16 * 1024;
    private readonly string? _header;
    private readonly IPNetwork[] _trustedProxies;

    public ClientCertificateSource(string? header, IEnumerable<IPNetwork> trustedProxies)
    {
        _header = string.IsNullOrWhiteSpace(header) ? null : header;
        _trustedProxies = [.. trustedProxies];
    }

    /// <summary>
    /// Parses a configured proxy address (<c>10.0.0.5</c>) or network (<c>10.0.0.0/8</c>); false when it is neither. The
    /// same rule as <c>Gateway:TrustedProxies</c>: a network with host bits set (<c>10.0.0.5/8</c>, which would silently
    /// trust all of 10.0.0.0/8) and a scoped IPv6 address are mistakes, not a wider trust.
    /// </summary>
    public static bool TryParseProxy(string? text, out IPNetwork network) => RateLimiting.TrustedProxies.TryParseEntry(text, out network);

    /// <summary>Takes the certificate header off the request (every route, first thing), keeping it for this request only when a trusted proxy sent it.</summary>
    public void Capture(HttpContext context)
    {
        if (_header is null)
        {
            return;
        }

        var headers = context.Request.Headers;
        var values = headers[_header];
        if (values.Count == 0)
        {
            return;
        }

        headers.Remove(_header);
        if (IsTrustedProxy(context.Connection.RemoteIpAddress))
        {
            context.Features.Set(new ForwardedClientCertificate(values.Count == 1 ? values[0] : null));
        }
    }

    /// <summary>Only removes the header (the configuration replacing the judging one, during a reload, may name another).</summary>
    public void Strip(IHeaderDictionary headers)
    {
        if (_header is not null)
        {
            headers.Remove(_header);
        }
    }

    /// <summary>
    /// The base64url SHA-256 thumbprint of the request's client certificate (<c>x5t#S256</c>), null when there is
    /// none; <paramref name="invalid"/> when a trusted proxy sent a header that is not one PEM certificate.
    /// </summary>
    public string? Thumbprint(HttpContext context, out bool invalid)
    {
        invalid = false;
        if (_header is not null && IsTrustedProxy(context.Connection.RemoteIpAddress))
        {
            if (context.Features.Get<ForwardedClientCertificate>() is not { } forwarded)
            {
                return null;
            }

            var der = Decode(forwarded.Value);
            invalid = der is null;
            return der is null ? null : Base64UrlEncoder.Encode(SHA256.HashData(der));
        }

        return context.Connection.ClientCertificate is { } certificate ? Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData)) : null;
    }

    private bool IsTrustedProxy(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    // URL-encoded PEM of exactly one certificate (nginx's $ssl_client_escaped_cert); its DER, or null.
    private static byte[]? Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxHeaderLength)
        {
            return null;
        }

        try
        {
            var pem = Uri.UnescapeDataString(value);
            if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan(fields.Label).SequenceEqual("CERTIFICATE")
                || PemEncoding.TryFind(pem.AsSpan(fields.Location.End.Value), out _))
            {
                return null;
            }

            var der = Convert.FromBase64String(pem[fields.Base64Data]);
            using var certificate = X509CertificateLoader.LoadCertificate(der); // it must be a certificate, not any bytes
            return certificate.RawData;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or UriFormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The certificate header a trusted proxy sent with this request (null value: sent more than once).</summary>
    private sealed record ForwardedClientCertificate(string? Value);
}
