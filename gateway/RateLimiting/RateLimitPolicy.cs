using System.Globalization;
using Gateway.Configuration;
using Gateway.Tokens;

namespace Gateway.RateLimiting;

/// <summary>
/// One <c>Gateway:RateLimits</c> policy, compiled once per configuration: its limit, its key parts, the trusted
/// proxies its client-address key believes, and the <c>RateLimit-Policy</c> header value (built once).
/// </summary>
internal sealed class RateLimitPolicy
{
    public RateLimitPolicy(string name, RateLimitPolicyOptions options, TrustedProxies proxies)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        Proxies = proxies;
        var burst = options.Algorithm == RateLimitAlgorithm.TokenBucket ? options.Burst ?? options.Limit : options.Limit;
        Settings = new RateLimitSettings(name, options.Algorithm, options.Limit, options.Window, burst, options.ExpectedReplicas);
        KeyParts = (options.Key ?? []).Select(RateLimitKeyPart.Parse).ToArray();
        PolicyHeader = string.Create(CultureInfo.InvariantCulture, $"{RateLimitHeaders.Quote(name)};q={options.Limit};w={RateLimitHeaders.Seconds(options.Window)}");
    }

    public string Name { get; }

    /// <summary>What the counters depend on: equal settings share one local limiter across reloads.</summary>
    public RateLimitSettings Settings { get; }

    public IReadOnlyList<RateLimitKeyPart> KeyParts { get; }

    public TrustedProxies Proxies { get; }

    /// <summary>The <c>RateLimit-Policy</c> value (draft-ietf-httpapi-ratelimit-headers-10): <c>"name";q=Limit;w=seconds</c>.</summary>
    public string PolicyHeader { get; }
}

/// <summary>The counting rule of a policy; <see cref="Burst"/> is the bucket size of a token bucket, else <see cref="Limit"/>.</summary>
internal sealed record RateLimitSettings(string Name, RateLimitAlgorithm Algorithm, int Limit, TimeSpan Window, int Burst, int ExpectedReplicas)
{
    /// <summary>A replica's share of the limit while it counts alone: ceil(Limit / ExpectedReplicas), at least 1.</summary>
    public int LocalLimit => Share(Limit);

    /// <summary>A replica's share of the burst while it counts alone.</summary>
    public int LocalBurst => Share(Burst);

    private int Share(int value) => Math.Max(1, (int)Math.Ceiling(value / (double)ExpectedReplicas));
}

/// <summary>One part of a policy's key: the issuer, the client address or a verified claim.</summary>
internal sealed record RateLimitKeyPart(RateLimitKeyPartKind Kind, ClaimPath? Claim)
{
    public static RateLimitKeyPart Parse(string text) => text switch
    {
        RateLimitPolicyOptions.IssuerKeyPart => new(RateLimitKeyPartKind.Issuer, null),
        RateLimitPolicyOptions.ClientIpKeyPart => new(RateLimitKeyPartKind.ClientAddress, null),
        _ => new(RateLimitKeyPartKind.Claim, ClaimPath.Parse(text)),
    };
}

internal enum RateLimitKeyPartKind
{
    Issuer,
    ClientAddress,
    Claim,
}
