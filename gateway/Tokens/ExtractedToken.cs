namespace Gateway.Tokens;

/// <summary>A token taken from the request, not yet trusted.</summary>
public readonly record struct ExtractedToken(TokenStatus Status, string? Token, TokenSourceKind Source, string? SourceName)
{
    public static ExtractedToken Missing { get; } = new(TokenStatus.Missing, null, TokenSourceKind.None, null);

    public static ExtractedToken Ambiguous { get; } = new(TokenStatus.Ambiguous, null, TokenSourceKind.None, null);

    public static ExtractedToken Found(string token, TokenSourceKind source, string? name) => new(TokenStatus.Valid, token, source, name);
}
