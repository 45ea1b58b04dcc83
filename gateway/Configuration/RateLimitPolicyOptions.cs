namespace Gateway.Configuration;

/// <summary>
/// A named rate-limit policy (<c>Gateway:RateLimits:&lt;name&gt;</c>); a route uses it through YARP's
/// <c>RateLimiterPolicy</c> route setting. Counted fleet-wide in Redis when Redis is configured and reachable,
/// else per replica (see docs/rate-limits.md).
/// </summary>
internal sealed record RateLimitPolicyOptions
{
    /// <summary>The key parts that mean "the issuer" and "the client address" in <see cref="Key"/>.</summary>
    public const string IssuerKeyPart = "$issuer";

    /// <inheritdoc cref="IssuerKeyPart"/>
    public const string ClientIpKeyPart = "$client_ip";

    /// <summary>Fixed window (default) or token bucket.</summary>
    public RateLimitAlgorithm Algorithm { get; init; } = RateLimitAlgorithm.FixedWindow;

    /// <summary>Requests allowed per <see cref="Window"/> (the token bucket's refill rate). Required, 1 to 1,000,000.</summary>
    public int Limit { get; init; }

    /// <summary>The window (default 1 second), whole milliseconds, at most 1 day.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Token bucket only: the bucket's size, i.e. the largest burst (default <see cref="Limit"/>).</summary>
    public int? Burst { get; init; }

    /// <summary>
    /// What is counted together: verified claim paths (<c>sub</c>, <c>client_id</c>, <c>org.tenant</c>), <c>$issuer</c>
    /// (the configured issuer's name) and <c>$client_ip</c>, combined. Required. On an anonymous route, or when a
    /// token lacks one of the claims, the request is counted by client address instead.
    /// </summary>
    public IReadOnlyList<string>? Key { get; init; }

    /// <summary>
    /// How many replicas share the limit: when Redis cannot be used, each replica allows
    /// ceil(<see cref="Limit"/> / ExpectedReplicas) (and the burst likewise) on its own. Default 1, at most 1000.
    /// </summary>
    public int ExpectedReplicas { get; init; } = 1;
}
