using System.Text.Json.Serialization;

namespace Gateway.Revocation;

/// <summary>
/// One revocation. <see cref="Issuer"/> is a configured issuer name; null (for a jti or a sid) matches every issuer.
/// <see cref="IssuedBefore"/> is the cutoff of a subject revocation: its tokens with <c>iat</c> before it are refused
/// (and those without <c>iat</c>, which cannot show they are newer). Past <see cref="ExpiresAt"/> no token it could
/// match is still valid, so the entry is dropped.
/// </summary>
internal sealed record RevocationEntry(
    RevocationKind Kind,
    string? Issuer,
    string Value,
    DateTimeOffset? IssuedBefore,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>Identity of the entry: a second revocation of the same thing replaces the first.</summary>
    [JsonIgnore]
    public string Id => $"{KindName(Kind)}\n{Issuer}\n{Value}";

    /// <summary>The wire and display name of a kind: <c>jti</c>, <c>sub</c>, <c>sid</c>.</summary>
    public static string KindName(RevocationKind kind) => kind switch
    {
        RevocationKind.TokenId => "jti",
        RevocationKind.Subject => "sub",
        _ => "sid",
    };

    /// <summary>One line for logs and the command's listing (never a token, only the identifiers an operator typed).</summary>
    public string Describe() => Kind switch
    {
        RevocationKind.Subject => $"sub={Value} issuer={Issuer} issued-before={IssuedBefore:O} expires={ExpiresAt:O}",
        _ => $"{KindName(Kind)}={Value} issuer={Issuer ?? "*"} expires={ExpiresAt:O}",
    };
}
