using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Gateway.Configuration;

namespace Gateway.RateLimiting;

/// <summary>
/// This replica's own counters (System.Threading.RateLimiting), used when Redis is not configured or cannot answer.
/// Each policy allows its <see cref="RateLimitSettings.LocalLimit"/> share here (ceil(Limit / ExpectedReplicas)), so a
/// fleet cut off from Redis allows about the configured rate in total, never nothing and never unbounded. One
/// partitioned limiter per distinct policy settings: a reload that keeps a policy keeps its counters; a partition idle
/// for a window is dropped by the limiter itself.
/// </summary>
internal sealed class LocalRateLimiters : IDisposable
{
    private readonly ConcurrentDictionary<RateLimitSettings, PartitionedRateLimiter<string>> _limiters = new();

    public RateLimitDecision Acquire(RateLimitSettings settings, string partition)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var limiter = _limiters.GetOrAdd(settings, Create);
        using var lease = limiter.AttemptAcquire(partition);
        var remaining = limiter.GetStatistics(partition)?.CurrentAvailablePermits ?? 0;
        if (lease.IsAcquired)
        {
            return new RateLimitDecision(true, remaining, settings.Window, RateLimitStore.Local);
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.Window;
        return new RateLimitDecision(false, 0, retryAfter, RateLimitStore.Local);
    }

    private static PartitionedRateLimiter<string> Create(RateLimitSettings settings) =>
        PartitionedRateLimiter.Create<string, string>(partition => settings.Algorithm == RateLimitAlgorithm.TokenBucket
            ? RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.LocalBurst,
                TokensPerPeriod = settings.LocalLimit,
                ReplenishmentPeriod = settings.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.LocalLimit,
                Window = settings.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
