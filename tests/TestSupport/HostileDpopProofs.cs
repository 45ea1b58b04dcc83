using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TestSupport;

/// <summary>DPoP proofs an attacker builds, for the verifier's unit tests and the same attack through the real gateway.</summary>
public static class HostileDpopProofs
{
    /// <summary>
    /// A proof whose <c>jwk</c> holds a victim's RSA public key (the thumbprint returned) and an attacker's certificate in
    /// <c>x5c</c>, signed by the attacker's key, issued at <paramref name="issuedAt"/>.
    /// </summary>
    public static (string Proof, string VictimThumbprint) RsaProofSignedByAnotherCertificate(RSA victim, string alg, string method, string url, string accessToken, DateTimeOffset issuedAt)
    {
        using var attacker = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=attacker", attacker, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(issuedAt.AddDays(-1), issuedAt.AddDays(1));
        var parameters = victim.ExportParameters(false);
        var victimJwk = new JsonWebKey { Kty = "RSA", N = Base64UrlEncoder.Encode(parameters.Modulus), E = Base64UrlEncoder.Encode(parameters.Exponent) };
        var thumbprint = Base64UrlEncoder.Encode(victimJwk.ComputeJwkThumbprint());
        var jwk = new Dictionary<string, object?> { ["kty"] = "RSA", ["n"] = victimJwk.N, ["e"] = victimJwk.E, ["x5c"] = new[] { Convert.ToBase64String(certificate.RawData) } };
        var header = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = alg, ["jwk"] = jwk };
        var payload = new Dictionary<string, object?>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = method,
            ["htu"] = url,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["ath"] = DpopKey.AccessTokenHash(accessToken),
        };
        var input = Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload));
        var padding = alg.StartsWith("PS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        return (input + "." + Base64UrlEncoder.Encode(attacker.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, padding)), thumbprint);
    }
}
