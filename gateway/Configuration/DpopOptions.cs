namespace Gateway.Configuration;

/// <summary>
/// The <c>Gateway:Dpop</c> section: how DPoP proofs (RFC 9449) are verified. Whether a route accepts or requires
/// them is set per issuer and per policy (<see cref="DpopMode"/>). See docs/sender-constrained-tokens.md.
/// </summary>
internal sealed record DpopOptions
{
    /// <summary>The proof algorithms accepted when <see cref="Algorithms"/> is empty, and the only ones that may be listed.</summary>
    public static IReadOnlyList<string> SupportedAlgorithms { get; } = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    /// <summary>The proof algorithms accepted (asymmetric only); empty: ES256/384/512, PS256/384/512, RS256/384/512.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = [];

    /// <summary>How old a proof's <c>iat</c> may be. Default 1 minute.</summary>
    public TimeSpan ProofMaxAge { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How far a proof's <c>iat</c> may lie in the future (client clocks). Default 5 seconds.</summary>
    public TimeSpan ProofClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The origins (<c>https://api.example.com</c>) clients address the gateway by, when a TLS-terminating proxy
    /// stands in front of it; a proof's <c>htu</c> must then name one of them. Empty (default): the <c>htu</c> must name
    /// the scheme and host the gateway received the request with.
    /// </summary>
    public IReadOnlyList<string> PublicOrigins { get; init; } = [];

    /// <summary>Require a server-issued nonce in every proof (RFC 9449 §8). Default false.</summary>
    public bool RequireNonce { get; init; }

    /// <summary>Secret (at least 32 characters) the fleet's nonces are made and checked with; required with <see cref="RequireNonce"/>.</summary>
    public string? NonceKey { get; init; }

    /// <summary>How long a nonce is accepted after it was issued. Default 5 minutes.</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether the <c>DPoP</c> proof header is forwarded to the downstream. Default false.</summary>
    public bool ForwardProofHeader { get; init; }

    /// <summary>Most proof ids remembered in memory (when Redis is not configured or unavailable). Default 100000.</summary>
    public int ReplayCacheMaxEntries { get; init; } = 100_000;

    /// <summary>The longest proof accepted, in characters. Default 4096.</summary>
    public int MaxProofLength { get; init; } = 4096;
}
