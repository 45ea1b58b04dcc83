namespace Gateway.Configuration;

internal sealed record DevelopmentOptions
{
    /// <summary>Where a built-in echo downstream listens (Development only); empty: not started.</summary>
    public string? DemoDownstreamUrl { get; init; }

    /// <summary>Where the development issuer keeps its generated keys. Default <c>~/.local/share/jwt-gateway/dev-issuer</c> (the user's local application data).</summary>
    public string? KeyDirectory { get; init; }
}
