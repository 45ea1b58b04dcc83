namespace Gateway.Revocation;

/// <summary>What a revocation names.</summary>
internal enum RevocationKind
{
    /// <summary>One token, by its <c>jti</c> (of one issuer, or of any issuer).</summary>
    TokenId,

    /// <summary>Every token of one subject (issuer + <c>sub</c>) issued before a cutoff.</summary>
    Subject,

    /// <summary>Every token of one session, by its <c>sid</c> (of one issuer, or of any issuer).</summary>
    Session,
}
