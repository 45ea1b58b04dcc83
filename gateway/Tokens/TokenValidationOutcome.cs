namespace Gateway.Tokens;

/// <summary>The result of validating one token: a status, and on success the issuer and verified claims.</summary>
internal sealed class TokenValidationOutcome
{
    private TokenValidationOutcome(TokenStatus status, string? issuerName, TokenClaims? claims, TokenIssuer? issuer = null)
    {
        Status = status;
        IssuerName = issuerName;
        Claims = claims;
        Issuer = issuer;
    }

    public TokenStatus Status { get; }

    /// <summary>The configured issuer name the token was matched to (set once the issuer is known).</summary>
    public string? IssuerName { get; }

    public TokenClaims? Claims { get; }

    /// <summary>On success, the issuer that verified the token, as policies and claim headers see it.</summary>
    public TokenIssuer? Issuer { get; }

    public bool IsValid => Status == TokenStatus.Valid;

    public static TokenValidationOutcome Success(TokenIssuer issuer, TokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return new(TokenStatus.Valid, issuer.Name, claims, issuer);
    }

    // Failures before the issuer is known carry nothing else: one shared instance per status.
    private static readonly TokenValidationOutcome[] AnonymousFailures = Enum.GetValues<TokenStatus>().Select(s => new TokenValidationOutcome(s, null, null)).ToArray();

    public static TokenValidationOutcome Failure(TokenStatus status, string? issuerName = null) =>
        issuerName is null && (int)status < AnonymousFailures.Length && AnonymousFailures[(int)status].Status == status
            ? AnonymousFailures[(int)status]
            : new(status, issuerName, null);
}
