namespace Gateway.Diagnostics;

/// <summary>
/// What to explain: a method and a URL (absolute, or a path with <see cref="Host"/>), and either a token (validated as
/// the gateway would) or a claims JSON object (a what-if: the policy judged on these claims, nothing validated).
/// </summary>
internal sealed record ExplainRequest
{
    public string Method { get; init; } = "GET";

    /// <summary><c>https://api.example.com/orders/1?x=y</c>, or a path (<c>/orders/1</c>) with <see cref="Host"/>.</summary>
    public required string Url { get; init; }

    /// <summary>The host when <see cref="Url"/> is a path. Default <c>localhost</c>.</summary>
    public string? Host { get; init; }

    /// <summary>The token, sent as <c>Authorization: Bearer</c> unless <see cref="Headers"/> carry it elsewhere.</summary>
    public string? Token { get; init; }

    /// <summary>A claims JSON object, for a what-if without a token.</summary>
    public string? Claims { get; init; }

    /// <summary>With <see cref="Claims"/>: the configured issuer the claims are judged as coming from (default: the one <c>iss</c> names, else the only issuer).</summary>
    public string? Issuer { get; init; }

    /// <summary>Extra request headers (route matches on headers, other token carriers).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
}
