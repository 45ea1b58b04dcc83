using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Security;

/// <summary>
/// TLS: the gateway's HTTPS listener from <c>Kestrel:Endpoints</c> with a PEM certificate and key (as mounted
/// from a Kubernetes TLS secret), TLS 1.2 at least; and the identity provider backchannel trusting a private CA
/// from <c>Gateway:Backchannel:CaBundlePath</c>.
/// </summary>
public sealed class TlsTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-tls-").FullName;

    public TlsTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task HttpsListener_ServesTheCertificateFromPemFiles_WithTls12OrNewer()
    {
        using var ca = CreateCa();
        using var leaf = CreateLeaf(ca);
        var (certPath, keyPath) = WritePem(leaf, "tls");
        var config = _fixture.Config().Build();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["Https"] = new JsonObject
                {
                    ["Url"] = "https://127.0.0.1:0",
                    ["Certificate"] = new JsonObject { ["Path"] = certPath, ["KeyPath"] = keyPath },
                },
            },
        };

        await using var gateway = await GatewayInstance.StartAsync(config);
        var address = gateway.Client.BaseAddress!;
        Assert.Equal("https", address.Scheme);

        using var tls12 = await HandshakeAsync(address, SslProtocols.Tls12, ca);
        Assert.Equal(SslProtocols.Tls12, tls12.SslProtocol);
        using var any = await HandshakeAsync(address, SslProtocols.None, ca);
        Assert.True(any.SslProtocol >= SslProtocols.Tls12);
#pragma warning disable SYSLIB0039, CA5397 // deliberately offering an obsolete protocol
        await Assert.ThrowsAnyAsync<Exception>(async () => (await HandshakeAsync(address, SslProtocols.Tls11, ca)).Dispose());
#pragma warning restore SYSLIB0039, CA5397

        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = TrustOnly(ca) }) { BaseAddress = address };
        var response = await http.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Backchannel_TrustsTheCaBundle_AndOnlyWithIt()
    {
        using var ca = CreateCa();
        using var leaf = CreateLeaf(ca);
        var caPath = Path.Combine(_directory, "ca.pem");
        await File.WriteAllTextAsync(caPath, ca.ExportCertificatePem());
        var signing = TestIdentityProvider.CreateUnpublishedRsaKey("tls-1");
        await using var jwks = await StartHttpsJwksAsync(leaf, TestIdentityProvider.JwksJson([signing]));
        const string issuer = "https://tls-issuer.test";
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["iss"] = issuer }, key: signing);

        var config = _fixture.Config();
        config.Gateway["Issuers"] = new JsonObject
        {
            ["tls"] = new JsonObject { ["JwksUri"] = jwks.Urls.First() + "/jwks", ["Issuer"] = issuer, ["Audiences"] = new JsonArray("api") },
        };

        await using (var untrusting = await config.StartAsync())
        {
            var refused = await untrusting.Client.GetWithTokenAsync("/api/x", token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode); // the IdP's certificate is not trusted: no keys
        }

        config.Gateway["Backchannel"] = new JsonObject { ["CaBundlePath"] = caPath };
        await using var trusting = await config.StartAsync();
        await trusting.WaitUntilReadyAsync();
        var accepted = await trusting.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    private static async Task<SslStream> HandshakeAsync(Uri address, SslProtocols protocols, X509Certificate2 ca)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        var options = TrustOnly(ca);
        options.TargetHost = "127.0.0.1";
        options.EnabledSslProtocols = protocols;
        await ssl.AuthenticateAsClientAsync(options);
        return ssl;
    }

    private static SslClientAuthenticationOptions TrustOnly(X509Certificate2 ca) => new()
    {
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        },
    };

    private static async Task<WebApplication> StartHttpsJwksAsync(X509Certificate2 certificate, string jwks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/jwks", () => Results.Text(jwks, "application/json"));
        await app.StartAsync();
        return app;
    }

    private static X509Certificate2 CreateCa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Gateway Test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 CreateLeaf(X509Certificate2 ca)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    private (string CertPath, string KeyPath) WritePem(X509Certificate2 certificate, string name)
    {
        var certPath = Path.Combine(_directory, name + ".crt");
        var keyPath = Path.Combine(_directory, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
