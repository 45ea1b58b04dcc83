namespace Gateway.Development;

/// <summary>What the <c>token</c> command puts in a development token.</summary>
internal sealed record TokenRequest
{
    public string Subject { get; init; } = "alice";
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = [];
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);
    public string? Audience { get; init; }
    public IReadOnlyDictionary<string, object> ExtraClaims { get; init; } = new Dictionary<string, object>();
}
