namespace Gateway.Configuration;

/// <summary>Where a token may come from, tried in this order. The query string is off unless named.</summary>
internal sealed record TokenSourceOptions
{
    /// <summary><c>Authorization: Bearer</c> (scheme case-insensitive). Default true.</summary>
    public bool AuthorizationHeader { get; init; } = true;

    /// <summary>Custom headers carrying the raw token (an optional <c>Bearer </c> prefix is accepted).</summary>
    public IReadOnlyList<string> Headers { get; init; } = [];

    /// <summary>Cookies carrying the raw token.</summary>
    public IReadOnlyList<string> Cookies { get; init; } = [];

    /// <summary>Query parameters carrying the raw token. Discouraged (tokens leak into logs); off by default.</summary>
    public IReadOnlyList<string> QueryParameters { get; init; } = [];
}
