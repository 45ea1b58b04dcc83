using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Protocols;

/// <summary>
/// The gateway's listeners for gRPC and WebSockets over HTTP/2, as docs/configuration.md configures them: one TLS
/// endpoint speaking HTTP/1.1 and HTTP/2 (chosen by ALPN) and one cleartext endpoint speaking HTTP/2 only (h2c with
/// prior knowledge). The certificate is a fresh self-signed one written as PEM files, trusted by the test's clients only.
/// </summary>
internal sealed class GatewayListeners : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-h2-").FullName;
    private readonly X509Certificate2 _certificate;

    public GatewayListeners()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = X509CertificateLoader.LoadCertificate(created.Export(X509ContentType.Cert));
        CertificatePath = Path.Combine(_directory, "tls.crt");
        KeyPath = Path.Combine(_directory, "tls.key");
        File.WriteAllText(CertificatePath, created.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>The <c>Kestrel</c> section: endpoint <c>Tls</c> (Http1AndHttp2) and endpoint <c>H2c</c> (Http2).</summary>
    public JsonObject Kestrel() => new()
    {
        ["Endpoints"] = new JsonObject
        {
            ["Tls"] = new JsonObject
            {
                ["Url"] = "https://127.0.0.1:0",
                ["Protocols"] = "Http1AndHttp2",
                ["Certificate"] = new JsonObject { ["Path"] = CertificatePath, ["KeyPath"] = KeyPath },
            },
            ["H2c"] = new JsonObject { ["Url"] = "http://127.0.0.1:0", ["Protocols"] = "Http2" },
        },
    };

    /// <summary>A handler that trusts exactly the gateway's test certificate.</summary>
    public SocketsHttpHandler Handler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString(),
        },
    };

    public static Uri Tls(Infrastructure.GatewayInstance gateway) => gateway.Urls.Single(u => u.Scheme == "https");

    public static Uri Cleartext(Infrastructure.GatewayInstance gateway) => gateway.Urls.Single(u => u.Scheme == "http");

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
