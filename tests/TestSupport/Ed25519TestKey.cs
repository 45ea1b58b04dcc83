using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.TestSupport;

/// <summary>An Ed25519 key pair of a test issuer (BouncyCastle), published as an OKP JWK (RFC 8037).</summary>
public sealed class Ed25519TestKey
{
    private readonly Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters _private;

    private Ed25519TestKey(string kid, Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters privateKey)
    {
        Kid = kid;
        _private = privateKey;
    }

    public string Kid { get; }

    public byte[] PublicKey => _private.GeneratePublicKey().GetEncoded();

    public static Ed25519TestKey Create(string kid) =>
        new(kid, new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()));

    public Dictionary<string, string> PublicJwk() => new()
    {
        ["kty"] = "OKP",
        ["crv"] = "Ed25519",
        ["kid"] = Kid,
        ["use"] = "sig",
        ["x"] = Base64UrlEncoder.Encode(PublicKey),
    };

    public byte[] Sign(byte[] data)
    {
        var signer = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
        signer.Init(true, _private);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>A compact JWS (alg EdDSA) over raw header and payload JSON.</summary>
    public string SignRaw(string headerJson, string payloadJson)
    {
        var signingInput = $"{RawJwt.B64(headerJson)}.{RawJwt.B64(payloadJson)}";
        return signingInput + "." + Base64UrlEncoder.Encode(Sign(Encoding.ASCII.GetBytes(signingInput)));
    }
}
