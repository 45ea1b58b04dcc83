using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// The token signature algorithms the gateway verifies, and those it never accepts whatever the configuration says:
/// the configuration rules refuse the latter in an issuer's <c>Algorithms</c>, and the token shape check refuses a
/// token that names one before any key is looked up.
/// </summary>
internal static class SigningAlgorithms
{
    /// <summary>Asymmetric algorithms only: keys come from a JWKS, which publishes public keys.</summary>
    public static IReadOnlySet<string> Supported { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        EdDsa.EdDsaCryptoProvider.Algorithm,
    };

    /// <summary>
    /// <c>none</c> (an unsigned token) and the HMAC family (<c>HS*</c>: a verifier holding a public key could be made to
    /// use it as the HMAC secret, the classic key-confusion attack). Case-insensitive; allocation-free.
    /// </summary>
    public static bool IsNeverAllowed(string algorithm) => IsNone(algorithm) || IsHmac(algorithm);

    public static bool IsNone(string algorithm) => string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase);

    public static bool IsHmac(string algorithm) => algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase);
}
