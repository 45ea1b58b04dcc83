using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// A DPoP client of the load benchmark: an EC P-256 key pair (RFC 9449 proofs are signed with it) kept in a file
/// between the token minting and each batch of proofs, as one line <c>d x y</c> (base64url).
/// </summary>
internal sealed record DpopClient(string D, string X, string Y)
{
    public static DpopClient Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: true);
        return new(Base64UrlEncoder.Encode(p.D!), Base64UrlEncoder.Encode(p.Q.X!), Base64UrlEncoder.Encode(p.Q.Y!));
    }

    public static DpopClient Parse(string line)
    {
        var parts = line.Split(' ');
        return new(parts[0], parts[1], parts[2]);
    }

    public string ToLine() => $"{D} {X} {Y}";

    /// <summary>The public JWK with the RFC 7638 required members in lexicographic order (also the thumbprint's input).</summary>
    public string PublicJwk => $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}";

    /// <summary>RFC 7638 thumbprint: the <c>cnf.jkt</c> of a token bound to this key.</summary>
    public string Thumbprint => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(PublicJwk)));

    public ECDsa ImportPrivateKey() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        D = Base64UrlEncoder.DecodeBytes(D),
        Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(X), Y = Base64UrlEncoder.DecodeBytes(Y) },
    });
}
