using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Whether a published key may verify a token signed with an algorithm (RFC 8725 §3.1, RFC 7517 §4):
/// <c>use</c> absent or <c>sig</c>; <c>key_ops</c> absent or listing <c>verify</c>; <c>alg</c> absent or equal
/// to the token's; and the key type fitting the algorithm — RS*/PS* need <c>RSA</c>, ES256/384/512 need
/// <c>EC</c> on P-256/P-384/P-521, EdDSA needs <c>OKP</c> on Ed25519. HMAC never matches any key.
/// </summary>
internal static class KeyAlgorithmAgreement
{
    public static bool Allows(JsonWebKey key, string? algorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(algorithm))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(key.Use) && !string.Equals(key.Use, JsonWebKeyUseNames.Sig, StringComparison.Ordinal))
        {
            return false;
        }

        if (key.KeyOps.Count > 0 && !key.KeyOps.Contains("verify"))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(key.Alg) && !string.Equals(key.Alg, algorithm, StringComparison.Ordinal))
        {
            return false;
        }

        return algorithm switch
        {
            "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" => key.Kty == JsonWebAlgorithmsKeyTypes.RSA,
            "ES256" => IsCurve(key, JsonWebKeyECTypes.P256),
            "ES384" => IsCurve(key, JsonWebKeyECTypes.P384),
            "ES512" => IsCurve(key, JsonWebKeyECTypes.P521),
            Tokens.EdDsa.EdDsaCryptoProvider.Algorithm => Tokens.EdDsa.EdDsaCryptoProvider.IsEd25519PublicKey(key),
            _ => false,
        };
    }

    private static bool IsCurve(JsonWebKey key, string curve) =>
        key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && string.Equals(key.Crv, curve, StringComparison.Ordinal);
}
