using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Enforcement.Refusals;
using Gateway.SenderConstraints;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.SenderConstraints;

/// <summary>
/// DPoP (RFC 9449) through the real gateway, identity provider and downstream: a valid proof is accepted once; every
/// adversarial proof of §4.3 is refused with its own reason and an RFC 9449 §7.1 challenge; a bound token never
/// passes as a bearer token, also when the validated-token cache already holds it.
/// </summary>
public sealed class DpopTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly DpopKey _key = new();
    private readonly DpopKey _otherKey = new();

    public DpopTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
        _fixture.Downstream.Clear();
    }

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
    }

    private static string Url(GatewayInstance gateway, string path = "/api/x") => new Uri(gateway.Client.BaseAddress!, path).ToString();

    internal static Task<HttpResponseMessage> SendAsync(GatewayInstance gateway, string token, string? proof, string path = "/api/x", string scheme = "DPoP", HttpMethod? method = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        if (proof is not null)
        {
            request.Headers.TryAddWithoutValidation(SenderConstraintEnforcer.ProofHeader, proof);
        }

        configure?.Invoke(request);
        return gateway.Client.SendAsync(request);
    }

    private static void AssertRefused(HttpResponseMessage response, BindingStatus status, string error = "invalid_dpop_proof", string because = "")
    {
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{because}: expected 401, got {(int)response.StatusCode}");
        var challenge = response.Challenge() ?? "";
        Assert.True(challenge.Contains($"error=\"{error}\"", StringComparison.Ordinal), $"{because}: challenge was {challenge}");
        Assert.True(challenge.Contains($"error_description=\"{RefusalTable.Describe(status)}\"", StringComparison.Ordinal), $"{because}: expected {status}, challenge was {challenge}");
    }

    [Fact]
    public async Task ValidProof_IsAccepted_TheProofIsNotForwarded_AndTheThumbprintCanBe()
    {
        var config = _fixture.Config().ClaimHeaders(("X-User-Id", "sub"), ("X-Dpop-Jkt", "cnf.jkt"));
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var response = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = _fixture.Downstream.Single();
        Assert.False(received.HasHeader("DPoP"));
        Assert.Equal(_key.Thumbprint, received.Header("X-Dpop-Jkt"));
        Assert.Equal("DPoP " + token, received.Header("Authorization"));
    }

    [Fact]
    public async Task AProofSignedByAnotherKeyThanItsThumbprint_IsRefused_WithAStolenBoundToken()
    {
        // Review finding: an RSA jwk with an x5c of the attacker's certificate verified with the certificate's key while
        // its thumbprint (n, e) named the victim's: a stolen DPoP-bound token was accepted with the attacker's proofs.
        await using var gateway = await _fixture.Config().StartAsync();
        using var victim = System.Security.Cryptography.RSA.Create(2048);
        var (_, victimThumbprint) = HostileDpopProofs.RsaProofSignedByAnotherCertificate(victim, "RS256", "GET", "https://unused.example", "unused", DateTimeOffset.UtcNow);
        var stolen = _fixture.Idp.MintBound(jkt: victimThumbprint);
        var (proof, thumbprint) = HostileDpopProofs.RsaProofSignedByAnotherCertificate(victim, "RS256", "GET", Url(gateway), stolen, DateTimeOffset.UtcNow);
        Assert.Equal(victimThumbprint, thumbprint); // the proof names the victim's key



        using var response = await SendAsync(gateway, stolen, proof);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task ForwardProofHeader_ForwardsTheVerifiedProof()
    {
        var config = _fixture.Config().Set("Dpop", new JsonObject { ["ForwardProofHeader"] = true });
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        var proof = _key.Proof("GET", Url(gateway), token);

        using var response = await SendAsync(gateway, token, proof);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(proof, _fixture.Downstream.Single().Header("DPoP"));
    }

    [Fact]
    public async Task ReplayedProof_IsRefused_AlsoWhenTheTokenIsCached()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        var proof = _key.Proof("GET", Url(gateway), token);

        using var first = await SendAsync(gateway, token, proof);
        using var replayed = await SendAsync(gateway, token, proof);
        using var fresh = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token));
        using var cachedWithoutProof = await SendAsync(gateway, token, null);
        using var cachedWithForeignProof = await SendAsync(gateway, token, _otherKey.Proof("GET", Url(gateway), token));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        AssertRefused(replayed, BindingStatus.DpopProofReplayed);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        AssertRefused(cachedWithoutProof, BindingStatus.DpopProofMissing);
        AssertRefused(cachedWithForeignProof, BindingStatus.DpopProofKeyMismatch);
        Assert.Equal(2, _fixture.Downstream.Received.Count);
    }

    [Fact]
    public async Task AdversarialProofs_AreRefused_EachWithItsOwnReason()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        var url = Url(gateway);
        var now = DateTimeOffset.UtcNow;
        var cases = new (string Name, Func<string> Proof, BindingStatus Status)[]
        {
            ("another method", () => _key.Proof("POST", url, token), BindingStatus.DpopProofMethodMismatch),
            ("another URL", () => _key.Proof("GET", Url(gateway, "/api/other"), token), BindingStatus.DpopProofUrlMismatch),
            ("another host", () => _key.Proof("GET", url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), token), BindingStatus.DpopProofUrlMismatch),
            ("another scheme", () => _key.Proof("GET", url.Replace("http:", "https:", StringComparison.Ordinal), token), BindingStatus.DpopProofUrlMismatch),
            ("stale iat", () => _key.Proof("GET", url, token, issuedAt: now.AddMinutes(-5)), BindingStatus.DpopProofStale),
            ("future iat", () => _key.Proof("GET", url, token, issuedAt: now.AddMinutes(2)), BindingStatus.DpopProofFuture),
            ("ath of another token", () => _key.Proof("GET", url, _fixture.Idp.MintBound(jkt: _key.Thumbprint, claims: new Dictionary<string, object?> { ["sub"] = "bob" })), BindingStatus.DpopProofTokenHashMismatch),
            ("no ath", () => _key.Proof("GET", url, null), BindingStatus.DpopProofClaimMissing),
            ("no jti", () => _key.Proof("GET", url, token, payload: p => p["jti"] = null), BindingStatus.DpopProofClaimMissing),
            ("iat as a string (IdentityModel refuses to parse the JWT)", () => _key.Proof("GET", url, token, payload: p => p["iat"] = "now"), BindingStatus.DpopProofMalformed),
            ("htm as a number", () => _key.Proof("GET", url, token, payload: p => p["htm"] = 1), BindingStatus.DpopProofClaimMissing),
            ("another key than cnf.jkt", () => _otherKey.Proof("GET", url, token), BindingStatus.DpopProofKeyMismatch),
            ("signed by another key than its jwk", () => _otherKey.Proof("GET", url, token, header: h => h["jwk"] = _key.PublicJwk()), BindingStatus.DpopProofBadSignature),
            ("alg none", () => _key.Proof("GET", url, token, header: h => h["alg"] = "none"), BindingStatus.DpopProofAlgorithm),
            ("alg HS256", () => _key.Proof("GET", url, token, header: h => h["alg"] = "HS256"), BindingStatus.DpopProofAlgorithm),
            ("alg RS256 with an EC key", () => _key.Proof("GET", url, token, header: h => h["alg"] = "RS256"), BindingStatus.DpopProofKeyInvalid),
            ("private key in jwk", () => _key.Proof("GET", url, token, header: h => h["jwk"] = new Dictionary<string, object?>(_key.PublicJwk()) { ["d"] = _key.D }), BindingStatus.DpopProofPrivateKey),
            ("symmetric jwk", () => _key.Proof("GET", url, token, header: h => h["jwk"] = new Dictionary<string, object?> { ["kty"] = "oct", ["k"] = "c2VjcmV0" }), BindingStatus.DpopProofPrivateKey),
            ("no jwk", () => _key.Proof("GET", url, token, header: h => h["jwk"] = null), BindingStatus.DpopProofKeyInvalid),
            ("typ JWT", () => _key.Proof("GET", url, token, header: h => h["typ"] = "JWT"), BindingStatus.DpopProofWrongType),
            ("no typ", () => _key.Proof("GET", url, token, header: h => h["typ"] = null), BindingStatus.DpopProofWrongType),
            ("not a JWT", () => "not-a-jwt", BindingStatus.DpopProofMalformed),
            ("five parts (JWE)", () => "a.b.c.d.e", BindingStatus.DpopProofMalformed),
            ("two proofs in one header", () => _key.Proof("GET", url, token) + ", " + _key.Proof("GET", url, token), BindingStatus.DpopProofMultiple),
        };

        foreach (var (name, proof, status) in cases)
        {
            using var response = await SendAsync(gateway, token, proof());
            AssertRefused(response, status, because: name);
            Assert.Contains("algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"", response.Challenge(), StringComparison.Ordinal);
        }

        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task TheTargetUri_IsComparedNormalised_WithoutQueryOrFragment()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        var port = gateway.Client.BaseAddress!.Port;

        foreach (var (htu, path) in new[]
        {
            ($"HTTP://127.0.0.1:{port}/api/x", "/api/x"),
            ($"http://127.0.0.1:{port}/api/%78?ignored=1#fragment", "/api/x"),
            ($"http://127.0.0.1:{port}/api/%7ex", "/api/~x"),
            ($"http://127.0.0.1:{port}/api/./x", "/api/x"),
            ($"http://127.0.0.1:{port}/api/x", "/api/x?q=1"),
        })
        {
            using var response = await SendAsync(gateway, token, _key.Proof("GET", htu, token), path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{htu} for {path}: {(int)response.StatusCode} {response.Challenge()}");
        }
    }

    [Fact]
    public async Task TwoDpopHeaders_AreRefused()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var response = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token),
            configure: r => r.Headers.TryAddWithoutValidation(SenderConstraintEnforcer.ProofHeader, _key.Proof("GET", Url(gateway), token)));

        AssertRefused(response, BindingStatus.DpopProofMultiple);
    }

    [Fact]
    public async Task BoundToken_PresentedAsBearer_IsRefused_EvenWithAValidProof()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var bare = await SendAsync(gateway, token, null, scheme: "Bearer");
        using var withProof = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token), scheme: "Bearer");

        AssertRefused(bare, BindingStatus.DpopBoundTokenAsBearer, "invalid_token");
        AssertRefused(withProof, BindingStatus.DpopBoundTokenAsBearer, "invalid_token");
        Assert.StartsWith("DPoP ", bare.Challenge(), StringComparison.Ordinal);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task UnboundToken_WithTheDpopScheme_IsRefused_AndABearerTokenStillWorksWhereDpopIsAllowed()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.Mint();

        using var dpop = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token));
        using var bearer = await SendAsync(gateway, token, null, scheme: "Bearer");
        using var bearerWithStrayProof = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token), scheme: "Bearer");

        AssertRefused(dpop, BindingStatus.DpopTokenNotBound, "invalid_token");
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearerWithStrayProof.StatusCode);
        Assert.All(_fixture.Downstream.Received, r => Assert.False(r.HasHeader("DPoP")));
    }

    [Fact]
    public async Task RequiredByPolicy_RefusesBearerTokens_AndAnnouncesOnlyDpop()
    {
        var config = _fixture.Config()
            .Policy("dpop-only", new JsonObject { ["AnyValidToken"] = true, ["Dpop"] = "Required" })
            .Route("bound", "dpop-only");
        await using var gateway = await config.StartAsync();
        var unbound = _fixture.Idp.Mint();
        var bound = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var bearer = await SendAsync(gateway, unbound, null, "/bound/x", scheme: "Bearer");
        using var proofWithoutBoundToken = await SendAsync(gateway, unbound, _key.Proof("GET", Url(gateway, "/bound/x"), unbound), "/bound/x");
        using var missing = await gateway.Client.GetAsync("/bound/x");
        using var valid = await SendAsync(gateway, bound, _key.Proof("GET", Url(gateway, "/bound/x"), bound), "/bound/x");
        using var elsewhere = await SendAsync(gateway, unbound, null, "/api/x", scheme: "Bearer");

        AssertRefused(bearer, BindingStatus.DpopRequired, "invalid_token");
        AssertRefused(proofWithoutBoundToken, BindingStatus.DpopTokenNotBound, "invalid_token");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.StartsWith("DPoP algs=\"ES256", missing.Challenge(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    [Fact]
    public async Task HotReload_ToRequired_RefusesBearerTokensFromThen()
    {
        var config = _fixture.Config();
        await using var gateway = await config.StartAsync();
        var bearer = _fixture.Idp.Mint();
        using (var before = await SendAsync(gateway, bearer, null, scheme: "Bearer"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        config.Issuer["Dpop"] = "Required";
        Assert.True(await gateway.RewriteConfigAsync(config.Build()));

        using var after = await SendAsync(gateway, bearer, null, scheme: "Bearer");
        AssertRefused(after, BindingStatus.DpopRequired, "invalid_token");
    }

    [Fact]
    public async Task IssuerOff_RefusesDpop_AndBoundTokens()
    {
        var config = _fixture.Config();
        config.Issuer["Dpop"] = "Off";
        await using var gateway = await config.StartAsync();
        var bound = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var dpop = await SendAsync(gateway, bound, _key.Proof("GET", Url(gateway), bound));
        using var bearer = await SendAsync(gateway, bound, null, scheme: "Bearer");

        AssertRefused(dpop, BindingStatus.DpopNotAccepted, "invalid_token");
        AssertRefused(bearer, BindingStatus.DpopBoundTokenAsBearer, "invalid_token");
    }

    [Fact]
    public async Task UnsupportedConfirmation_IsRefused()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["cnf"] = new Dictionary<string, object?> { ["jwk"] = _key.PublicJwk() } });

        using var response = await SendAsync(gateway, token, null, scheme: "Bearer");

        AssertRefused(response, BindingStatus.UnsupportedConfirmation, "invalid_token");
    }

    [Fact]
    public async Task NonceFlow_UseDpopNonce_ThenTheNonceIsAccepted()
    {
        var config = _fixture.Config().Set("Dpop", new JsonObject { ["RequireNonce"] = true, ["NonceKey"] = "nonce-key-0123456789abcdef0123456789" });
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var first = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token));
        AssertRefused(first, BindingStatus.DpopNonceRequired, "use_dpop_nonce");
        var nonce = Assert.Single(first.Headers.GetValues(SenderConstraintEnforcer.NonceHeader));

        using var forged = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token, nonce: nonce[..^2] + (nonce[^2..] == "AA" ? "BB" : "AA")));
        using var retried = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token, nonce: nonce));

        AssertRefused(forged, BindingStatus.DpopNonceRequired, "use_dpop_nonce");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains(SenderConstraintEnforcer.NonceHeader)); // a fresh nonce is not replaced

        // A nonce past half its lifetime still passes, and the answer hands out the next one (RFC 9449 §8.2).
        var ageing = new DpopNonces("nonce-key-0123456789abcdef0123456789", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)).Issue(DateTimeOffset.UtcNow.AddMinutes(-3));
        using var renewed = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token, nonce: ageing));
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        var next = Assert.Single(renewed.Headers.GetValues(SenderConstraintEnforcer.NonceHeader));
        Assert.NotEqual(ageing, next);
        using var withNext = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token, nonce: next));
        Assert.Equal(HttpStatusCode.OK, withNext.StatusCode);
    }

    [Fact]
    public async Task BehindATlsTerminatingProxy_TheHtuNamesAPublicOrigin()
    {
        var config = _fixture.Config().Set("Dpop", new JsonObject { ["PublicOrigins"] = new JsonArray("https://api.example.com") });
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);

        using var publicOrigin = await SendAsync(gateway, token, _key.Proof("GET", "https://API.example.com:443/api/x", token));
        using var otherPath = await SendAsync(gateway, token, _key.Proof("GET", "https://api.example.com/api/y", token));
        using var internalOrigin = await SendAsync(gateway, token, _key.Proof("GET", Url(gateway), token));

        Assert.Equal(HttpStatusCode.OK, publicOrigin.StatusCode);
        AssertRefused(otherPath, BindingStatus.DpopProofUrlMismatch);
        AssertRefused(internalOrigin, BindingStatus.DpopProofUrlMismatch);
    }
}
