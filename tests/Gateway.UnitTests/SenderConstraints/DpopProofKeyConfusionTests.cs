using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.SenderConstraints;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.SenderConstraints;

/// <summary>
/// The proof's signature must be checked with exactly the key its thumbprint is computed from. A JWK may carry other
/// key material beside its public members (<c>x5c</c>, <c>x5u</c>, <c>jku</c>...); a crypto library that prefers the
/// certificate chain would verify the signature with the attacker's certificate while the thumbprint names the
/// victim's key: a stolen DPoP-bound token would then be usable with proofs the attacker signs. (Review finding:
/// IdentityModel builds an RSA key from <c>x5c</c> before <c>n</c>/<c>e</c>; the RSA cases were accepted.)
/// </summary>
public sealed class DpopProofKeyConfusionTests
{
    private const string Url = "https://api.example.com/orders";
    private const string Token = "a.b.c";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("x5c")]
    [InlineData("x5u")]
    [InlineData("x5t")]
    [InlineData("x5t#S256")]
    [InlineData("jku")]
    [InlineData("kid")]
    public void AProofWhoseJwkCarriesMoreThanThePublicKey_IsRefused(string member)
    {
        using var victim = new DpopKey();
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=attacker", attacker, HashAlgorithmName.SHA256).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));
        var jwk = victim.PublicJwk();
        jwk[member] = member switch
        {
            "x5c" => new[] { Convert.ToBase64String(certificate.RawData) },
            "x5t#S256" => Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData)),
            "x5t" => Base64UrlEncoder.Encode(certificate.GetCertHash()),
            _ => "https://attacker.example/keys",
        };

        var proof = SignWith(attacker, jwk);
        var result = Verifier().Verify(proof, "GET", "https://api.example.com", "/orders", Token, victim.Thumbprint, Now);

        Assert.NotEqual(BindingStatus.Valid, result.Status);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("PS256")]
    public void AnRsaProofKeyWithTheAttackersCertificateBeside_IsRefused(string alg)
    {
        using var victim = RSA.Create(2048);
        var (proof, thumbprint) = HostileDpopProofs.RsaProofSignedByAnotherCertificate(victim, alg, "GET", Url, Token, Now);

        var result = Verifier().Verify(proof, "GET", "https://api.example.com", "/orders", Token, thumbprint, Now);

        Assert.NotEqual(BindingStatus.Valid, result.Status);
    }

    private static Dictionary<string, object?> Payload() => new()
    {
        ["jti"] = Guid.NewGuid().ToString("N"),
        ["htm"] = "GET",
        ["htu"] = Url,
        ["iat"] = Now.ToUnixTimeSeconds(),
        ["ath"] = DpopKey.AccessTokenHash(Token),
    };

    [Theory]
    [InlineData("""{"kty":"EC","crv":"P-256","x":5,"y":"AA"}""")]
    [InlineData("""{"kty":["EC"],"crv":"P-256","x":"AA","y":"AA"}""")]
    [InlineData("""{"kty":"EC","crv":{"a":1},"x":"AA","y":"AA"}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"!!","y":"**"}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"","y":""}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AA","y":"AA","key_ops":"sign"}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AA","y":"AA","x5c":"notalist"}""")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AA","y":"AA","x5c":[5]}""")]
    [InlineData("""{"kty":"RSA","n":"AQAB","e":"AQAB"}""")]
    [InlineData("""{"kty":"RSA","n":"!!!!","e":"AQAB"}""")]
    [InlineData("""{"kty":null}""")]
    [InlineData("""[]""")]
    [InlineData("""{}""")]
    public void AHostileJwk_IsRefused_NeverThrows(string jwkJson)
    {
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwk = JsonSerializer.Deserialize<JsonElement>(jwkJson);
        var header = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = jwk };
        var input = Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(Payload()));
        var proof = input + "." + Base64UrlEncoder.Encode(signer.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));

        var result = Verifier().Verify(proof, "GET", "https://api.example.com", "/orders", Token, "thumbprint", Now);

        Assert.NotEqual(BindingStatus.Valid, result.Status);
    }

    private static DpopProofVerifier Verifier() =>
        new(DpopOptions.SupportedAlgorithms.ToArray(), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), 8192, [], null);

    private static string SignWith(ECDsa key, Dictionary<string, object?> jwk)
    {
        var header = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = jwk };
        var input = Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(Payload()));
        return input + "." + Base64UrlEncoder.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
