namespace Gateway.Configuration;

/// <summary>How a rate-limit policy counts (<c>Gateway:RateLimits:&lt;name&gt;:Algorithm</c>).</summary>
internal enum RateLimitAlgorithm
{
    /// <summary><c>Limit</c> requests per <c>Window</c>, windows aligned on the Redis clock (or the replica's, locally).</summary>
    FixedWindow,

    /// <summary>A bucket of <c>Burst</c> tokens refilled at <c>Limit</c> per <c>Window</c>: short bursts above the rate are allowed.</summary>
    TokenBucket,
}
