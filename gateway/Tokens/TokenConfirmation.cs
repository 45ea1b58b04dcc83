using System.Text.Json;

namespace Gateway.Tokens;

/// <summary>
/// A token's confirmation claim (<c>cnf</c>, RFC 7800): the key (<c>jkt</c>, RFC 9449) or client certificate
/// (<c>x5t#S256</c>, RFC 8705) it is bound to. A <c>cnf</c> the gateway cannot check (not an object, a member of the
/// wrong type, another confirmation method such as <c>jwk</c>) is <see cref="IsUnsupported"/>: such a token is bound
/// to something, and is refused rather than accepted as a bearer token.
/// </summary>
internal sealed class TokenConfirmation
{
    public const string ClaimName = "cnf";
    public const string JwkThumbprintMember = "jkt";
    public const string CertificateThumbprintMember = "x5t#S256";

    private TokenConfirmation(string? jkt, string? x5t, bool unsupported)
    {
        JwkThumbprint = jkt;
        CertificateThumbprint = x5t;
        IsUnsupported = unsupported;
    }

    /// <summary>No <c>cnf</c>: a bearer token.</summary>
    public static TokenConfirmation None { get; } = new(null, null, false);

    private static readonly TokenConfirmation Unsupported = new(null, null, true);

    /// <summary><c>cnf.jkt</c>: base64url SHA-256 JWK thumbprint of the DPoP key, or null.</summary>
    public string? JwkThumbprint { get; }

    /// <summary><c>cnf["x5t#S256"]</c>: base64url SHA-256 thumbprint of the client certificate, or null.</summary>
    public string? CertificateThumbprint { get; }

    public bool IsUnsupported { get; }

    /// <summary>Whether the token is bound to anything.</summary>
    public bool IsBound => JwkThumbprint is not null || CertificateThumbprint is not null || IsUnsupported;

    public static TokenConfirmation Read(JsonElement payload)
    {
        if (!payload.TryGetProperty(ClaimName, out var cnf))
        {
            return None;
        }

        if (cnf.ValueKind != JsonValueKind.Object)
        {
            return Unsupported;
        }

        string? jkt = null;
        string? x5t = null;
        foreach (var member in cnf.EnumerateObject())
        {
            if (member.Value.ValueKind != JsonValueKind.String || member.Value.GetString() is not { Length: > 0 } value)
            {
                return Unsupported;
            }

            switch (member.Name)
            {
                case JwkThumbprintMember when jkt is null:
                    jkt = value;
                    break;
                case CertificateThumbprintMember when x5t is null:
                    x5t = value;
                    break;
                default:
                    return Unsupported; // another method (jwk, jku, kid...) or a duplicate: nothing the gateway can check
            }
        }

        return jkt is null && x5t is null ? Unsupported : new TokenConfirmation(jkt, x5t, false);
    }
}
