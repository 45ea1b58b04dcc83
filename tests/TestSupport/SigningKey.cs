using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TestSupport;

/// <summary>A signing key of a test issuer, with what it publishes.</summary>
public sealed record SigningKey(string Kid, AsymmetricSecurityKey SecurityKey, string? Use, string? Alg)
{
    /// <summary>A new RSA 2048 key.</summary>
    public static SigningKey CreateRsa(string kid, string? use = "sig", string? alg = null) =>
        new(kid, new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid }, use, alg);

    /// <summary>A new EC key on <paramref name="curve"/> (P-256 unless told otherwise).</summary>
    public static SigningKey CreateEc(string kid, ECCurve? curve = null, string? alg = null) =>
        new(kid, new ECDsaSecurityKey(ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256)) { KeyId = kid }, "sig", alg);

    /// <summary>A JWKS document (<c>{"keys":[...]}</c>) publishing the public halves of <paramref name="keys"/>.</summary>
    public static string Jwks(IEnumerable<SigningKey> keys) =>
        JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk()).ToArray() });

    public Dictionary<string, string> PublicJwk()
    {
        var jwk = SecurityKey switch
        {
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false))),
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false)))),
            _ => throw new NotSupportedException(),
        };
        var result = new Dictionary<string, string> { ["kty"] = jwk.Kty, ["kid"] = Kid };
        if (Use is not null)
        {
            result["use"] = Use;
        }

        if (Alg is not null)
        {
            result["alg"] = Alg;
        }

        if (jwk.Kty == "RSA")
        {
            result["n"] = jwk.N;
            result["e"] = jwk.E;
        }
        else
        {
            result["crv"] = jwk.Crv;
            result["x"] = jwk.X;
            result["y"] = jwk.Y;
        }

        return result;
    }
}
