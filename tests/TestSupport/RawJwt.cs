using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TestSupport;

/// <summary>Builds raw compact JWS strings for hostile cases (alg none, HMAC with a public key, forged headers).</summary>
public static class RawJwt
{
    public static string Encode(object header, object payload, string signature = "") =>
        $"{B64(JsonSerializer.Serialize(header))}.{B64(JsonSerializer.Serialize(payload))}.{signature}";

    public static string B64(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Signs header and payload given as raw JSON text (duplicate members, odd shapes) with an RSA key (RS256) or an EC key (ES256).</summary>
    public static string SignRaw(string headerJson, string payloadJson, SigningKey key)
    {
        var signingInput = Encoding.ASCII.GetBytes($"{B64(headerJson)}.{B64(payloadJson)}");
        var signature = key.SecurityKey switch
        {
            RsaSecurityKey rsa => rsa.Rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsaSecurityKey ec => ec.ECDsa.SignData(signingInput, HashAlgorithmName.SHA256),
            _ => throw new NotSupportedException(),
        };
        return $"{B64(headerJson)}.{B64(payloadJson)}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>Signs with RSA-PSS (PS256).</summary>
    public static string SignPss(string headerJson, string payloadJson, SigningKey key)
    {
        var signingInput = Encoding.ASCII.GetBytes($"{B64(headerJson)}.{B64(payloadJson)}");
        var signature = ((RsaSecurityKey)key.SecurityKey).Rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        return $"{B64(headerJson)}.{B64(payloadJson)}.{Base64UrlEncoder.Encode(signature)}";
    }

    public static string HmacSign(object header, object payload, byte[] secret)
    {
        var signingInput = $"{B64(JsonSerializer.Serialize(header))}.{B64(JsonSerializer.Serialize(payload))}";
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(mac);
    }
}
