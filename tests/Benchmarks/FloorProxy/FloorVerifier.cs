using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Signature verification and nothing else (the measured floor; NOT a token validator, see Program.cs): split the
/// compact JWS, read <c>kid</c> and <c>alg</c> from the header, pick the key imported once at startup, verify. No
/// claim is read. Works on spans and pooled buffers so that the floor's own overhead stays close to the crypto's.
/// </summary>
internal sealed class FloorVerifier
{
    private const int MaxTokenLength = 8 * 1024;
    private readonly Dictionary<string, Key>.AlternateLookup<ReadOnlySpan<char>> keys;

    public FloorVerifier(JsonWebKeySet jwks)
    {
        var byKid = new Dictionary<string, Key>(StringComparer.Ordinal);
        foreach (var jwk in jwks.Keys)
        {
            byKid[jwk.Kid] = jwk.Kty switch
            {
                "RSA" => new Key("RS256", RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(jwk.N), Exponent = Base64UrlEncoder.DecodeBytes(jwk.E) }), null),
                "EC" => new Key("ES256", null, ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk.X), Y = Base64UrlEncoder.DecodeBytes(jwk.Y) },
                })),
                _ => throw new InvalidOperationException("unsupported key type " + jwk.Kty),
            };
        }

        keys = byKid.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool Verify(string authorization)
    {
        const string Scheme = "Bearer ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length > MaxTokenLength)
        {
            return false;
        }

        var token = authorization.AsSpan(Scheme.Length);
        var firstDot = token.IndexOf('.');
        var lastDot = token.LastIndexOf('.');
        if (firstDot <= 0 || lastDot <= firstDot)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[512];
        Span<char> alg = stackalloc char[16];
        Span<char> kid = stackalloc char[128];
        if (Base64Url.DecodeFromChars(token[..firstDot], header, out _, out var headerLength) != OperationStatus.Done
            || !TryReadHeader(header[..headerLength], alg, kid, out var algLength, out var kidLength)
            || !keys.TryGetValue(kid[..kidLength], out var key) || !alg[..algLength].SequenceEqual(key.Alg))
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[512];
        if (Base64Url.DecodeFromChars(token[(lastDot + 1)..], signature, out _, out var signatureLength) != OperationStatus.Done)
        {
            return false;
        }

        var rented = ArrayPool<byte>.Shared.Rent(lastDot);
        try
        {
            var signed = rented.AsSpan(0, Encoding.ASCII.GetBytes(token[..lastDot], rented));
            return key.Rsa is not null
                ? key.Rsa.VerifyData(signed, signature[..signatureLength], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : key.Ec!.VerifyData(signed, signature[..signatureLength], HashAlgorithmName.SHA256);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // alg and kid copied into the caller's stack buffers (no string per request); a header too large for them fails.
    private static bool TryReadHeader(ReadOnlySpan<byte> json, Span<char> alg, Span<char> kid, out int algLength, out int kidLength)
    {
        algLength = kidLength = 0;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAlg = reader.ValueTextEquals("alg"u8);
            var isKid = !isAlg && reader.ValueTextEquals("kid"u8);
            if (!reader.Read())
            {
                return false;
            }

            if ((isAlg || isKid) && reader.TokenType == JsonTokenType.String)
            {
                var target = isAlg ? alg : kid;
                if (reader.ValueSpan.Length > target.Length) // the escaped length bounds the unescaped one
                {
                    return false;
                }

                var length = reader.CopyString(target);
                if (isAlg)
                {
                    algLength = length;
                }
                else
                {
                    kidLength = length;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return algLength > 0 && kidLength > 0;
    }

    private sealed record Key(string Alg, RSA? Rsa, ECDsa? Ec);
}
