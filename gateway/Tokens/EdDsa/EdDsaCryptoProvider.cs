using System.Runtime.CompilerServices;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Crypto.Parameters;

namespace Gateway.Tokens.EdDsa;

/// <summary>
/// Plugs EdDSA (Ed25519, RFC 8037) into Microsoft.IdentityModel's crypto provider seam
/// (<see cref="CryptoProviderFactory.CustomCryptoProvider"/>): verification only, for <c>OKP</c> JSON Web
/// Keys on curve <c>Ed25519</c>. The arithmetic is BouncyCastle's.
/// </summary>
/// <remarks>
/// IdentityModel does not cache what a custom provider creates (its <c>CryptoProviderCache</c> holds only the
/// providers it builds itself), and decoding an Ed25519 public key (a curve point) is a large part of a
/// verification. A key set's keys are loaded once and shared by every request until the set is replaced, so the
/// decoded point is kept per key object (held weakly: a replaced key set takes its decoded keys with it), and a
/// verifier built per use only wraps it.
/// </remarks>
internal sealed class EdDsaCryptoProvider : ICryptoProvider
{
    /// <summary>The JOSE algorithm name (RFC 8037 §3.1).</summary>
    public const string Algorithm = "EdDSA";

    public const string KeyType = "OKP";

    public const string Curve = "Ed25519";

    /// <summary>A factory whose custom provider handles EdDSA and which defers to the default one for everything else.</summary>
    public static CryptoProviderFactory Factory { get; } = new() { CustomCryptoProvider = new EdDsaCryptoProvider(), CacheSignatureProviders = true };

    // The decoded public key of each key object, decoded once (point decoding is most of the cost of building a
    // verifier): the key checks before and after every signature ask again for the same key set's keys.
    private static readonly ConditionalWeakTable<JsonWebKey, DecodedKey> DecodedKeys = new();

    /// <summary>An Ed25519 public key: kty OKP, crv Ed25519, a 32-byte x, no private part.</summary>
    public static bool IsEd25519PublicKey(JsonWebKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Equals(key.Kty, KeyType, StringComparison.Ordinal)
            && string.Equals(key.Crv, Curve, StringComparison.Ordinal)
            && string.IsNullOrEmpty(key.D)
            && PublicKeyOf(key) is not null;
    }

    /// <summary>The decoded Ed25519 public key of <paramref name="key"/>'s <c>x</c>, or null when it is not one; decoded once per key object and <c>x</c>.</summary>
    internal static Ed25519PublicKeyParameters? PublicKeyOf(JsonWebKey key)
    {
        var x = key.X;
        if (DecodedKeys.TryGetValue(key, out var decoded) && string.Equals(decoded.X, x, StringComparison.Ordinal))
        {
            return decoded.PublicKey;
        }

        var publicKey = EdDsaSignatureProvider.TryDecodePublicKey(x);
        DecodedKeys.AddOrUpdate(key, new DecodedKey(x, publicKey));
        return publicKey;
    }

    private sealed record DecodedKey(string? X, Ed25519PublicKeyParameters? PublicKey);

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
