namespace Gateway.Configuration;

public sealed record DevelopmentOptions
{
    /// <summary>Where a built-in echo downstream listens (Development only); empty: not started.</summary>
    public string? DemoDownstreamUrl { get; init; }

    /// <summary>Where the development issuer keeps its generated keys. Default <c>.dev-issuer/</c> under the content root.</summary>
    public string? KeyDirectory { get; init; }
}
