using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Gateway.Tokens.EdDsa;

/// <summary>Verifies Ed25519 signatures (RFC 8032, pure EdDSA) with one public key. Cannot sign.</summary>
internal sealed class EdDsaSignatureProvider : SignatureProvider
{
    private const int PublicKeyLength = 32;
    private const int SignatureLength = 64;
    private readonly Ed25519PublicKeyParameters _publicKey;

    public EdDsaSignatureProvider(JsonWebKey key)
        : base(key, EdDsaCryptoProvider.Algorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        _publicKey = EdDsaCryptoProvider.PublicKeyOf(key) ?? throw new ArgumentException("Not an Ed25519 public key.", nameof(key));
    }

    internal static Ed25519PublicKeyParameters? TryDecodePublicKey(string? x)
    {
        if (string.IsNullOrEmpty(x))
        {
            return null;
        }

        try
        {
            var bytes = Base64UrlEncoder.DecodeBytes(x);
            return bytes.Length == PublicKeyLength ? new Ed25519PublicKeyParameters(bytes, 0) : null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return null;
        }
    }

    public override byte[] Sign(byte[] input) => throw new NotSupportedException("The gateway only verifies EdDSA signatures.");

    public override bool Verify(byte[] input, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(signature);
        return Verify(input, 0, input.Length, signature, 0, signature.Length);
    }

    public override bool Verify(byte[] input, int inputOffset, int inputLength, byte[] signature, int signatureOffset, int signatureLength)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(signature);
        if (signatureLength != SignatureLength || inputOffset < 0 || inputLength < 0 || inputOffset + inputLength > input.Length
            || signatureOffset < 0 || signatureOffset + signatureLength > signature.Length)
        {
            return false;
        }

        // A signer holds state: one per verification, so the provider is safe to share between threads.
        var verifier = new Ed25519Signer();
        verifier.Init(false, _publicKey);
        verifier.BlockUpdate(input, inputOffset, inputLength);
        return verifier.VerifySignature(signature.AsSpan(signatureOffset, signatureLength).ToArray());
    }

    protected override void Dispose(bool disposing)
    {
    }
}
