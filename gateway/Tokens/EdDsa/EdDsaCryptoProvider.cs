using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens.EdDsa;

/// <summary>
/// Plugs EdDSA (Ed25519, RFC 8037) into Microsoft.IdentityModel's crypto provider seam
/// (<see cref="CryptoProviderFactory.CustomCryptoProvider"/>): verification only, for <c>OKP</c> JSON Web
/// Keys on curve <c>Ed25519</c>. The arithmetic is BouncyCastle's.
/// </summary>
public sealed class EdDsaCryptoProvider : ICryptoProvider
{
    /// <summary>The JOSE algorithm name (RFC 8037 §3.1).</summary>
    public const string Algorithm = "EdDSA";

    public const string KeyType = "OKP";

    public const string Curve = "Ed25519";

    /// <summary>A factory whose custom provider handles EdDSA and which defers to the default one for everything else.</summary>
    public static CryptoProviderFactory Factory { get; } = new() { CustomCryptoProvider = new EdDsaCryptoProvider(), CacheSignatureProviders = true };

    /// <summary>An Ed25519 public key: kty OKP, crv Ed25519, a 32-byte x, no private part.</summary>
    public static bool IsEd25519PublicKey(JsonWebKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Equals(key.Kty, KeyType, StringComparison.Ordinal)
            && string.Equals(key.Crv, Curve, StringComparison.Ordinal)
            && string.IsNullOrEmpty(key.D)
            && EdDsaSignatureProvider.TryDecodePublicKey(key.X) is not null;
    }

    public bool IsSupportedAlgorithm(string algorithm, params object[] args) =>
        string.Equals(algorithm, Algorithm, StringComparison.Ordinal)
        && args is [JsonWebKey key, ..] && IsEd25519PublicKey(key)
        && !(args.Length > 1 && args[1] is true); // verification only: never asked to create signatures

    public object Create(string algorithm, params object[] args)
    {
        if (!IsSupportedAlgorithm(algorithm, args))
        {
            throw new NotSupportedException($"'{algorithm}' is not supported by {nameof(EdDsaCryptoProvider)} for this key.");
        }

        return new EdDsaSignatureProvider((JsonWebKey)args[0]);
    }

    public void Release(object cryptoInstance)
    {
        if (cryptoInstance is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
