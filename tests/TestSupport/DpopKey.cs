using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TestSupport;

/// <summary>
/// A DPoP client's key pair (EC P-256) and the proofs it signs (RFC 9449 §4.2), written out by hand so that tests can
/// build every malformed variant: another <c>typ</c>, <c>alg: none</c>, an HMAC proof, private members in the
/// <c>jwk</c>, claims left out or changed. <see cref="Thumbprint"/> is computed here independently of the gateway (RFC 7638).
/// </summary>
public sealed class DpopKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public DpopKey()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: true);
        X = Base64UrlEncoder.Encode(parameters.Q.X!);
        Y = Base64UrlEncoder.Encode(parameters.Q.Y!);
        D = Base64UrlEncoder.Encode(parameters.D!);
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        Thumbprint = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}")));
    }

    public string X { get; }

    public string Y { get; }

    public string D { get; }

    /// <summary>The key's RFC 7638 thumbprint: the <c>cnf.jkt</c> a token bound to it carries.</summary>
    public string Thumbprint { get; }

    /// <summary>The public JWK.</summary>
    public Dictionary<string, object?> PublicJwk() => new() { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = X, ["y"] = Y };

    /// <summary>base64url(SHA-256(token)), the <c>ath</c> claim.</summary>
    public static string AccessTokenHash(string token) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    /// <summary>
    /// A proof for <paramref name="method"/> <paramref name="url"/> with <paramref name="accessToken"/>; <paramref name="header"/>
    /// and <paramref name="payload"/> may change or remove (null value) members before signing. <paramref name="issuedAt"/> is the
    /// <c>iat</c>: the wall clock when left out, for a proof sent to a real gateway; a unit test passes its own clock's time.
    /// </summary>
    public string Proof(string method, string url, string? accessToken, DateTimeOffset? issuedAt = null, string? nonce = null,
        Action<Dictionary<string, object?>>? header = null, Action<Dictionary<string, object?>>? payload = null)
    {
        var headerValues = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = PublicJwk() };
        var payloadValues = new Dictionary<string, object?>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = method,
            ["htu"] = url,
#pragma warning disable RS0030 // the one wall-clock read here: a proof sent to a real gateway is judged against its wall clock; unit tests pass issuedAt
            ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
#pragma warning restore RS0030
        };
        if (accessToken is not null)
        {
            payloadValues["ath"] = AccessTokenHash(accessToken);
        }

        if (nonce is not null)
        {
            payloadValues["nonce"] = nonce;
        }

        header?.Invoke(headerValues);
        payload?.Invoke(payloadValues);
        var signingInput = Encode(headerValues) + "." + Encode(payloadValues);
        var alg = headerValues.GetValueOrDefault("alg") as string;
        var signature = alg switch
        {
            "none" => "",
            "HS256" => Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(X), Encoding.ASCII.GetBytes(signingInput))),
            _ => Base64UrlEncoder.Encode(_key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256)),
        };
        return signingInput + "." + signature;
    }

    private static string Encode(Dictionary<string, object?> values) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value)));

    public void Dispose() => _key.Dispose();
}
