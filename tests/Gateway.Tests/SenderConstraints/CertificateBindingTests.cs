using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gateway.Enforcement.Refusals;
using Gateway.SenderConstraints;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.SenderConstraints;

/// <summary>
/// Certificate-bound tokens (RFC 8705) through the real gateway: over a real TLS connection with a client certificate
/// (certificates made in the test with <see cref="CertificateRequest"/>), and behind a TLS-terminating proxy through
/// the trusted client certificate header, honoured only from the configured proxy addresses.
/// </summary>
public sealed class CertificateBindingTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly TestCertificateAuthority _ca = new("binding-test-ca");

    public CertificateBindingTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
        _fixture.Downstream.Clear();
    }

    public void Dispose() => _ca.Dispose();

    private static string Thumbprint(X509Certificate2 certificate) => Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData));

    private TestConfig Config() => _fixture.Config()
        .Policy("bound-only", new JsonObject { ["AnyValidToken"] = true, ["RequireCertificateBoundToken"] = true })
        .Route("bound", "bound-only");

    private static void AssertRefused(HttpResponseMessage response, BindingStatus status)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{RefusalTable.Describe(status)}\"", response.Challenge());
    }

    [Fact]
    public async Task OverTls_TheTokenMustBeBoundToThisConnectionsClientCertificate()
    {
        var (serverCertificate, serverKey) = _ca.IssueServer("gateway");
        var (clientPath, clientKeyPath) = _ca.IssueClient("client-a");
        var (otherPath, otherKeyPath) = _ca.IssueClient("client-b");
        using var client = X509Certificate2.CreateFromPemFile(clientPath, clientKeyPath);
        using var other = X509Certificate2.CreateFromPemFile(otherPath, otherKeyPath);
        using var server = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(serverCertificate));
        var config = Config().Set("CertificateBinding", new JsonObject { ["ValidateClientCertificateChain"] = false }).Build();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["Https"] = new JsonObject
                {
                    ["Url"] = "https://127.0.0.1:0",
                    ["Certificate"] = new JsonObject { ["Path"] = serverCertificate, ["KeyPath"] = serverKey },
                    ["ClientCertificateMode"] = "AllowCertificate",
                },
            },
        };
        await using var gateway = await GatewayInstance.StartAsync(config);
        using var withCertificate = Client(gateway, server, client);
        using var withoutCertificate = Client(gateway, server, null);
        var bound = _fixture.Idp.MintBound(x5tS256: Thumbprint(client));
        var boundToOther = _fixture.Idp.MintBound(x5tS256: Thumbprint(other));
        var unbound = _fixture.Idp.Mint();

        using var accepted = await withCertificate.GetWithTokenAsync("/api/x", bound);
        using var acceptedOnBoundRoute = await withCertificate.GetWithTokenAsync("/bound/x", bound);
        using var otherCertificate = await withCertificate.GetWithTokenAsync("/api/x", boundToOther);
        using var noCertificate = await withoutCertificate.GetWithTokenAsync("/api/x", bound);
        using var unboundOnBoundRoute = await withCertificate.GetWithTokenAsync("/bound/x", unbound);
        using var unboundElsewhere = await withoutCertificate.GetWithTokenAsync("/api/x", unbound);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, acceptedOnBoundRoute.StatusCode);
        AssertRefused(otherCertificate, BindingStatus.CertificateMismatch);
        AssertRefused(noCertificate, BindingStatus.CertificateMissing);
        AssertRefused(unboundOnBoundRoute, BindingStatus.CertificateBoundTokenRequired);
        Assert.Equal(HttpStatusCode.OK, unboundElsewhere.StatusCode);
        Assert.Equal(3, _fixture.Downstream.Received.Count);
    }

    [Fact]
    public async Task ByDefault_KestrelStillChecksTheClientCertificateChain()
    {
        var (serverCertificate, serverKey) = _ca.IssueServer("gateway");
        var (clientPath, clientKeyPath) = _ca.IssueClient("client-a");
        using var client = X509Certificate2.CreateFromPemFile(clientPath, clientKeyPath);
        using var server = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(serverCertificate));
        var config = _fixture.Config().Build();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["Https"] = new JsonObject
                {
                    ["Url"] = "https://127.0.0.1:0",
                    ["Certificate"] = new JsonObject { ["Path"] = serverCertificate, ["KeyPath"] = serverKey },
                    ["ClientCertificateMode"] = "AllowCertificate",
                },
            },
        };
        await using var gateway = await GatewayInstance.StartAsync(config);
        using var withUntrustedCertificate = Client(gateway, server, client);
        using var withoutCertificate = Client(gateway, server, null);

        // The test CA is in no trust store: the handshake fails, as it did before this feature.
        await Assert.ThrowsAsync<HttpRequestException>(() => withUntrustedCertificate.GetWithTokenAsync("/api/x", _fixture.Idp.MintBound(x5tS256: Thumbprint(client))));
        using var bearer = await withoutCertificate.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task TrustedHeader_IsHonouredFromAConfiguredProxy_AndNeverForwarded()
    {
        var (clientPath, _) = _ca.IssueClient("client-a");
        using var client = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(clientPath));
        var config = Config().Set("CertificateBinding", new JsonObject { ["ClientCertificateHeader"] = "X-Client-Cert", ["TrustedProxies"] = new JsonArray("10.9.9.9", "127.0.0.0/8") });
        await using var gateway = await config.StartAsync();
        var header = Uri.EscapeDataString(client.ExportCertificatePem());
        var bound = _fixture.Idp.MintBound(x5tS256: Thumbprint(client));

        using var accepted = await gateway.Client.GetWithTokenAsync("/bound/x", bound, r => r.Headers.TryAddWithoutValidation("X-Client-Cert", header));
        using var missing = await gateway.Client.GetWithTokenAsync("/bound/x", bound);
        using var garbage = await gateway.Client.GetWithTokenAsync("/bound/x", bound, r => r.Headers.TryAddWithoutValidation("X-Client-Cert", "not%20a%20certificate"));
        using var anonymousRoute = await gateway.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint(), r => r.Headers.TryAddWithoutValidation("X-Client-Cert", header));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        AssertRefused(missing, BindingStatus.CertificateMissing);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anonymousRoute.StatusCode);
        Assert.Equal(2, _fixture.Downstream.Received.Count);
        Assert.All(_fixture.Downstream.Received, r => Assert.False(r.HasHeader("X-Client-Cert")));
    }

    [Fact]
    public async Task TrustedHeader_FromAnAddressNotConfigured_IsIgnored_AndRemoved()
    {
        var (clientPath, _) = _ca.IssueClient("client-a");
        using var client = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(clientPath));
        var config = Config().Set("CertificateBinding", new JsonObject { ["ClientCertificateHeader"] = "X-Client-Cert", ["TrustedProxies"] = new JsonArray("10.9.9.9") });
        await using var gateway = await config.StartAsync();
        var header = Uri.EscapeDataString(client.ExportCertificatePem());

        using var spoofed = await gateway.Client.GetWithTokenAsync("/bound/x", _fixture.Idp.MintBound(x5tS256: Thumbprint(client)), r => r.Headers.TryAddWithoutValidation("X-Client-Cert", header));
        using var unbound = await gateway.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint(), r => r.Headers.TryAddWithoutValidation("X-Client-Cert", header));

        AssertRefused(spoofed, BindingStatus.CertificateMissing);
        Assert.Equal(HttpStatusCode.OK, unbound.StatusCode);
        Assert.False(_fixture.Downstream.Single().HasHeader("X-Client-Cert"));
    }

    [Fact]
    public async Task DpopAndCertificate_BothBindingsOfOneToken_AreChecked()
    {
        var (clientPath, _) = _ca.IssueClient("client-a");
        using var client = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(clientPath));
        using var key = new DpopKey();
        var config = _fixture.Config().Set("CertificateBinding", new JsonObject { ["ClientCertificateHeader"] = "X-Client-Cert", ["TrustedProxies"] = new JsonArray("127.0.0.1") });
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: key.Thumbprint, x5tS256: Thumbprint(client));
        var url = new Uri(gateway.Client.BaseAddress!, "/api/x").ToString();
        var header = Uri.EscapeDataString(client.ExportCertificatePem());

        using var both = await DpopTests.SendAsync(gateway, token, key.Proof("GET", url, token), configure: r => r.Headers.TryAddWithoutValidation("X-Client-Cert", header));
        using var proofOnly = await DpopTests.SendAsync(gateway, token, key.Proof("GET", url, token));

        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        AssertRefused(proofOnly, BindingStatus.CertificateMissing);
    }

    private static HttpClient Client(GatewayInstance gateway, X509Certificate2 server, X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                // Only the certificate the test issued to the gateway is trusted.
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == server.GetCertHashString(HashAlgorithmName.SHA256),
                ClientCertificates = client is null ? null : new X509CertificateCollection { client },
            },
        };
        return new HttpClient(handler) { BaseAddress = gateway.Client.BaseAddress };
    }
}
