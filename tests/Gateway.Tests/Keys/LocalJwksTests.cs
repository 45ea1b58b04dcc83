using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Keys;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Keys;

/// <summary>The rules a JWKS file or inline JWKS must pass (<see cref="LocalJwks"/>), one broken rule per case.</summary>
public sealed class LocalJwksTests
{
    private static readonly SigningKey Rsa = TestIdentityProvider.CreateUnpublishedRsaKey("rsa");

    private static string Keys(params object[] keys) => JsonSerializer.Serialize(new { keys });

    private static Dictionary<string, string> RsaJwk(params (string Name, string Value)[] extra)
    {
        var jwk = Rsa.PublicJwk();
        foreach (var (name, value) in extra)
        {
            jwk[name] = value;
        }

        return jwk;
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "", "not JSON" },
        { "{\"keys\": [", "not JSON" },
        { "[]", "not a JWKS" },
        { "{\"key\": []}", "not a JWKS" },
        { "{\"keys\": {}}", "not a JWKS" },
        { "{\"keys\": []}", "no usable signing key" },
        { "{\"keys\": [\"x\"]}", "key 0: not a JSON object" },
        { Keys(new Dictionary<string, string> { ["kid"] = "x", ["n"] = "AQAB" }), "key 0 (kid 'x'): no 'kty'" },
        { Keys(RsaJwk(("d", "AQAB"))), "key 0 (kid 'rsa'): holds the private or symmetric key part 'd'" },
        { Keys(RsaJwk(), RsaJwk(("p", "AQAB"))), "key 1 (kid 'rsa'): holds the private or symmetric key part 'p'" },
        { Keys(new Dictionary<string, string> { ["kty"] = "oct", ["k"] = "c2VjcmV0" }), "key 0: holds the private or symmetric key part 'k'" },
        { Keys(RsaJwk(("alg", "ES256"))), "'alg' ES256 does not fit the key (kty RSA)" },
        { Keys(RsaJwk(("alg", "HS256"))), "'alg' HS256 does not fit the key" },
        { Keys(RsaJwk(("alg", "EdDSA"))), "'alg' EdDSA does not fit the key" },
        { Keys(RsaJwk(("use", "enc"))), "no usable signing key" },
        { Keys(new Dictionary<string, string> { ["kty"] = "OKP", ["crv"] = "X25519", ["x"] = "AQAB" }), "no usable signing key" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void RefusesTheDocument_NamingTheRule(string jwks, string problem)
    {
        var found = LocalJwks.Problem(jwks);

        Assert.NotNull(found);
        Assert.Contains(problem, found);
        Assert.DoesNotContain(Rsa.PublicJwk()["n"], found); // never key material
    }

    [Fact]
    public void Accepts_RsaEcAndEd25519_WithAgreeingAlgs_NextToEncryptionKeys()
    {
        var ec = new SigningKey("ec", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)) { KeyId = "ec" }, "sig", "ES384");
        var jwks = Keys(
            RsaJwk(("alg", "RS256"), ("use", "sig")),
            RsaJwk(("alg", "PS384")),
            ec.PublicJwk(),
            Ed25519TestKey.Create("ed").PublicJwk(),
            (Rsa with { Kid = "enc", Use = "enc", Alg = "RSA-OAEP" }).PublicJwk());

        Assert.Null(LocalJwks.Problem(jwks));
    }

    [Fact]
    public void Refuses_AnEcKey_WhoseAlgNamesAnotherCurve()
    {
        var p384 = new SigningKey("ec", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)) { KeyId = "ec" }, "sig", "ES512");

        Assert.Contains("'alg' ES512 does not fit the key (kty EC, crv P-384)", LocalJwks.Problem(Keys(p384.PublicJwk())));
    }
}
