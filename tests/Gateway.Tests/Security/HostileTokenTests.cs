using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Security;

/// <summary>
/// Tokens written by an attacker (RFC 8725 §2 threats), each sent through the real gateway: every one is
/// answered 401 with <c>error="invalid_token"</c> and a short fixed description, and never reaches the downstream.
/// </summary>
public sealed class HostileTokenTests : IAsyncLifetime, IClassFixture<SharedGatewayFixture>
{
    private readonly SharedGatewayFixture _shared;
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public HostileTokenTests(SharedGatewayFixture shared)
    {
        _shared = shared;
        _fixture = shared.Integration;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();

        // One gateway for every attack (each test only sends a request; an attack that left it worse off would show in
        // the tests after it). The two extra keys stay published for the class's own identity provider.
        _gateway = await _shared.GatewayAsync(async () =>
        {
            Idp.Publish(new SigningKey("rsa-alg-rs256", new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-alg-rs256" }, "sig", "RS256"));
            Idp.Publish(new SigningKey("rsa-enc", new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-enc" }, "enc", null));
            var gateway = await _fixture.Config().StartAsync();
            await gateway.WaitUntilReadyAsync();
            return gateway;
        });
    }

    // The gateway belongs to the class (SharedGatewayFixture disposes it).
    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string> Attacks() => new()
    {
        // Algorithm confusion
        { "alg none", "the token algorithm is not allowed" },
        { "alg None", "the token algorithm is not allowed" },
        { "alg NONE", "the token algorithm is not allowed" },
        { "alg nOnE with a signature", "the token algorithm is not allowed" },
        { "alg missing", "the token is malformed" },
        { "alg not a string", "the token is malformed" },
        { "HS256 keyed with the RSA modulus", "the token algorithm is not allowed" },
        { "HS256 keyed with the whole public JWK", "the token algorithm is not allowed" },
        { "HS512 keyed with the EC x coordinate", "the token algorithm is not allowed" },
        { "RS256 naming an EC key", "the token algorithm is not allowed" },
        { "ES256 naming an RSA key", "the token algorithm is not allowed" },
        { "PS256 with a key published for RS256", "the token algorithm is not allowed" },
        { "EdDSA naming an RSA key", "the token algorithm is not allowed" },
        { "key published with use enc", "the signing key is unknown" },
        { "alg outside the allowlist (RS1)", "the token algorithm is not allowed" },

        // JOSE header
        { "crit with an unknown extension", "the token header is not supported" },
        { "crit empty", "the token header is not supported" },
        { "b64 false (RFC 7797)", "the token header is not supported" },
        { "zip in a JWS", "the token header is not supported" },
        { "nested JWT (cty JWT)", "the token header is not supported" },
        { "jwk: the attacker's own key, no kid", "the signing key is unknown" },
        { "x5c: the attacker's own certificate, no kid", "the signing key is unknown" },
        { "kid as a path", "the signing key is unknown" },
        { "kid as a URL", "the signing key is unknown" },
        { "kid as SQL", "the signing key is unknown" },
        { "kid not a string", "the token is malformed" },

        // JSON
        { "duplicate alg in the header", "the token is malformed" },
        { "duplicate sub in the payload", "the token is malformed" },
        { "duplicate member nested in the payload", "the token is malformed" },
        { "header is an array", "the token is malformed" },
        { "payload is a string", "the token is malformed" },
        { "payload is null", "the token is malformed" },
        { "payload nests 40 deep", "the token is malformed" },
        { "header over 1 KiB", "the token is too large" },
        { "payload not JSON", "the token is malformed" },
        { "JWE (five parts)", "the token is malformed" },

        // Time
        { "exp missing", "the token has no expiration" },
        { "exp a string", "the token is malformed" },
        { "exp null", "the token is malformed" },
        { "iat far in the future", "the token is not valid yet" },
        { "nbf in the future", "the token is not valid yet" },
        { "expired", "the token is expired" },

        // Signature
        { "payload swapped, signature kept", "the token signature is invalid" },
        { "one signature bit flipped", "the token signature is invalid" },
        { "signature stripped", "the token signature is invalid" },
        { "ES256 psychic signature (r = s = 0)", "the token signature is invalid" },
        { "EdDSA payload tampered", "the token signature is invalid" },
        { "EdDSA signature of zeros", "the token signature is invalid" },
        { "signed by an unpublished key under a published kid", "the token signature is invalid" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Refuses_HostileToken_With401_AndNeverForwards(string attack, string description)
    {
        var token = Forge(attack);

        var response = await _gateway.Client.GetWithTokenAsync("/api/x", null, r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", response.Challenge());
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Accepts_TheUntamperedControlTokens()
    {
        // The forging helpers do produce valid tokens when nothing hostile is added: the refusals above are for the attack.
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/api/x", RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(), Idp.Key("rsa-1")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/api/x", RawJwt.SignRaw(Header("ES256", "ec-1"), Payload(), Idp.Key("ec-1")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/api/x", RawJwt.SignRaw(Header("RS256", "rsa-alg-rs256"), Payload(), Idp.Key("rsa-alg-rs256")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/api/x", Idp.Ed25519Key("ed-1").SignRaw(Header("EdDSA", "ed-1"), Payload()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/api/x", RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"b64\":true}", Payload(), Idp.Key("rsa-1")))).StatusCode);
        Assert.Equal(4 + 1, _fixture.Downstream.Received.Count);
    }

    [Fact]
    public async Task Accepts_EdDsaToken_EndToEnd_WithAndWithoutKid()
    {
        var ed = Idp.Ed25519Key("ed-1");

        var withKid = await _gateway.Client.GetWithTokenAsync("/api/ed", ed.Mint(Idp, new Dictionary<string, object?> { ["sub"] = "edwards" }));
        var withoutKid = await _gateway.Client.GetWithTokenAsync("/api/ed", ed.Mint(Idp, withKid: false));

        Assert.Equal(HttpStatusCode.OK, withKid.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withoutKid.StatusCode);
        Assert.Equal(["edwards", "eddie"], _fixture.Downstream.Received.Select(r => r.Header("X-User-Id")));
    }

    [Fact]
    public async Task NeverFetches_TheKidAsAUrl()
    {
        _fixture.Downstream.Clear();
        var token = RawJwt.SignRaw(Header("RS256", _fixture.Downstream.BaseAddress + "/keys"), Payload(), Idp.Key("rsa-1"));
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_fixture.Downstream.Received);
    }

    private static string Header(string alg, string? kid, string extra = "") =>
        "{\"alg\":" + JsonSerializer.Serialize(alg) + (kid is null ? "" : ",\"kid\":" + JsonSerializer.Serialize(kid)) + extra + "}";

    private string Payload(string extra = "", long? exp = null, bool withExp = true)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expText = withExp ? $",\"exp\":{exp ?? now + 300}" : "";
        return $"{{\"iss\":{JsonSerializer.Serialize(Idp.Issuer)},\"aud\":\"api\",\"sub\":\"mallory\",\"iat\":{now}{expText}{extra}}}";
    }

    private string Forge(string attack)
    {
        var rsa = Idp.Key("rsa-1");
        var ec = Idp.Key("ec-1");
        var ed = Idp.Ed25519Key("ed-1");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("attacker");
        switch (attack)
        {
            case "alg none": return $"{RawJwt.B64("{\"alg\":\"none\"}")}.{RawJwt.B64(Payload())}.";
            case "alg None": return $"{RawJwt.B64("{\"alg\":\"None\",\"kid\":\"rsa-1\"}")}.{RawJwt.B64(Payload())}.";
            case "alg NONE": return $"{RawJwt.B64("{\"alg\":\"NONE\"}")}.{RawJwt.B64(Payload())}.";
            case "alg nOnE with a signature": return RawJwt.SignRaw(Header("nOnE", "rsa-1"), Payload(), rsa);
            case "alg missing": return RawJwt.SignRaw("{\"kid\":\"rsa-1\"}", Payload(), rsa);
            case "alg not a string": return RawJwt.SignRaw("{\"alg\":[\"RS256\"],\"kid\":\"rsa-1\"}", Payload(), rsa);
            case "HS256 keyed with the RSA modulus":
                return RawJwt.HmacSign(new { alg = "HS256", kid = "rsa-1" }, JsonDocument.Parse(Payload()).RootElement, Base64UrlEncoder.DecodeBytes(rsa.PublicJwk()["n"]));
            case "HS256 keyed with the whole public JWK":
                return RawJwt.HmacSign(new { alg = "HS256", kid = "rsa-1" }, JsonDocument.Parse(Payload()).RootElement, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(rsa.PublicJwk())));
            case "HS512 keyed with the EC x coordinate":
                return RawJwt.HmacSign(new { alg = "HS512", kid = "ec-1" }, JsonDocument.Parse(Payload()).RootElement, Base64UrlEncoder.DecodeBytes(ec.PublicJwk()["x"]));
            case "RS256 naming an EC key": return RawJwt.SignRaw(Header("RS256", "ec-1"), Payload(), rsa);
            case "ES256 naming an RSA key": return RawJwt.SignRaw(Header("ES256", "rsa-1"), Payload(), ec);
            case "PS256 with a key published for RS256": return RawJwt.SignPss(Header("PS256", "rsa-alg-rs256"), Payload(), Idp.Key("rsa-alg-rs256"));
            case "EdDSA naming an RSA key": return ed.SignRaw(Header("EdDSA", "rsa-1"), Payload());
            case "key published with use enc": return RawJwt.SignRaw(Header("RS256", "rsa-enc"), Payload(), Idp.Key("rsa-enc"));
            case "alg outside the allowlist (RS1)": return RawJwt.SignRaw(Header("RS1", "rsa-1"), Payload(), rsa);
            case "crit with an unknown extension": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"crit\":[\"exp-ext\"],\"exp-ext\":1"), Payload(), rsa);
            case "crit empty": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"crit\":[]"), Payload(), rsa);
            case "b64 false (RFC 7797)": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"b64\":false,\"crit\":[\"b64\"]"), Payload(), rsa);
            case "zip in a JWS": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"zip\":\"DEF\""), Payload(), rsa);
            case "nested JWT (cty JWT)": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"cty\":\"JWT\""), Payload(), rsa);
            case "jwk: the attacker's own key, no kid":
                return RawJwt.SignRaw(Header("RS256", null, ",\"jwk\":" + JsonSerializer.Serialize(attacker.PublicJwk())), Payload(), attacker);
            case "x5c: the attacker's own certificate, no kid":
                var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=attacker", ((RsaSecurityKey)attacker.SecurityKey).Rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using (var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
                {
                    return RawJwt.SignRaw(Header("RS256", null, ",\"x5c\":[\"" + Convert.ToBase64String(certificate.RawData) + "\"]"), Payload(), attacker);
                }

            case "kid as a path": return RawJwt.SignRaw(Header("RS256", "../../../../etc/passwd"), Payload(), rsa);
            case "kid as a URL": return RawJwt.SignRaw(Header("RS256", "https://attacker.example/key.pem"), Payload(), rsa);
            case "kid as SQL": return RawJwt.SignRaw(Header("RS256", "x' UNION SELECT 'secret' --"), Payload(), rsa);
            case "kid not a string": return RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":7}", Payload(), rsa);
            case "duplicate alg in the header": return RawJwt.SignRaw("{\"alg\":\"none\",\"kid\":\"rsa-1\",\"alg\":\"RS256\"}", Payload(), rsa);
            case "duplicate sub in the payload": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(",\"sub\":\"admin\""), rsa);
            case "duplicate member nested in the payload": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(",\"org\":{\"id\":1,\"id\":2}"), rsa);
            case "header is an array": return RawJwt.SignRaw("[\"RS256\"]", Payload(), rsa);
            case "payload is a string": return RawJwt.SignRaw(Header("RS256", "rsa-1"), "\"" + Idp.Issuer + "\"", rsa);
            case "payload is null": return RawJwt.SignRaw(Header("RS256", "rsa-1"), "null", rsa);
            case "payload nests 40 deep": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(",\"deep\":" + new string('[', 40) + new string(']', 40)), rsa);
            case "header over 1 KiB": return RawJwt.SignRaw(Header("RS256", "rsa-1", ",\"pad\":\"" + new string('a', 1100) + "\""), Payload(), rsa);
            case "payload not JSON": return RawJwt.SignRaw(Header("RS256", "rsa-1"), "{\"iss\":", rsa);
            case "JWE (five parts)": return $"{RawJwt.B64("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}")}.AAAA.AAAA.AAAA.AAAA";
            case "exp missing": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(withExp: false), rsa);
            case "exp a string": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(",\"exp\":\"" + (now + 300) + "\"", withExp: false), rsa);
            case "exp null": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(",\"exp\":null", withExp: false), rsa);
            case "iat far in the future":
                return RawJwt.SignRaw(Header("RS256", "rsa-1"), $"{{\"iss\":{JsonSerializer.Serialize(Idp.Issuer)},\"aud\":\"api\",\"sub\":\"m\",\"iat\":{now + 3600},\"exp\":{now + 7200}}}", rsa);
            case "nbf in the future": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload($",\"nbf\":{now + 600}"), rsa);
            case "expired": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(exp: now - 600), rsa);
            case "payload swapped, signature kept":
                var good = RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(), rsa).Split('.');
                return $"{good[0]}.{RawJwt.B64(Payload(",\"roles\":[\"admin\"]"))}.{good[2]}";
            case "one signature bit flipped":
                var parts = RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(), rsa).Split('.');
                var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
                signature[17] ^= 0x01;
                return $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}";
            case "signature stripped":
                var whole = RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(), rsa);
                return whole[..(whole.LastIndexOf('.') + 1)];
            case "ES256 psychic signature (r = s = 0)":
                return $"{RawJwt.B64(Header("ES256", "ec-1"))}.{RawJwt.B64(Payload())}.{Base64UrlEncoder.Encode(new byte[64])}";
            case "EdDSA payload tampered":
                var edParts = ed.SignRaw(Header("EdDSA", "ed-1"), Payload()).Split('.');
                return $"{edParts[0]}.{RawJwt.B64(Payload(",\"roles\":[\"admin\"]"))}.{edParts[2]}";
            case "EdDSA signature of zeros":
                return $"{RawJwt.B64(Header("EdDSA", "ed-1"))}.{RawJwt.B64(Payload())}.{Base64UrlEncoder.Encode(new byte[64])}";
            case "signed by an unpublished key under a published kid": return RawJwt.SignRaw(Header("RS256", "rsa-1"), Payload(), attacker);
            default: throw new ArgumentOutOfRangeException(nameof(attack), attack, null);
        }
    }
}
