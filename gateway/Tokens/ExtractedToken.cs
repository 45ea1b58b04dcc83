namespace Gateway.Tokens;

/// <summary>
/// A token taken from the request, not yet trusted. <see cref="Value"/> points into the request's own
/// header (or cookie, or query) string: extracting a token copies nothing.
/// </summary>
internal readonly record struct ExtractedToken(TokenStatus Status, ReadOnlyMemory<char> Value, TokenSourceKind Source, string? SourceName)
{
    public static ExtractedToken Missing { get; } = new(TokenStatus.Missing, default, TokenSourceKind.None, null);

    public static ExtractedToken Ambiguous { get; } = new(TokenStatus.Ambiguous, default, TokenSourceKind.None, null);

    /// <summary>The token as a string (a copy; the request path uses <see cref="Value"/>). Null unless a token was found.</summary>
    public string? Token => Status == TokenStatus.Valid ? Value.ToString() : null;

    /// <summary>Whether the token came as <c>Authorization: DPoP</c> (RFC 9449 §7.1): it then needs a DPoP proof.</summary>
    public bool IsDpop { get; init; }

    public static ExtractedToken Found(ReadOnlyMemory<char> token, TokenSourceKind source, string? name) => new(TokenStatus.Valid, token, source, name);
}
