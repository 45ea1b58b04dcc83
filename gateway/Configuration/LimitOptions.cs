namespace Gateway.Configuration;

public sealed record LimitOptions
{
    /// <summary>Longest token accepted, in characters; longer ones get 401 before any parsing. Default 8192.</summary>
    public int MaxTokenLength { get; init; } = 8192;
}
