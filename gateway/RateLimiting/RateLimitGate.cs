using System.Diagnostics;
using Gateway.Observability;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.RateLimiting;

/// <summary>
/// Decides whether a request of a rate-limited route may pass: counted fleet-wide in Redis when it answers within
/// the rate-limit timeout, else by this replica's local limiter (<see cref="LocalRateLimiters"/>). Records every
/// decision in <c>jwtgw.ratelimit.decisions</c> (policy, outcome, store) and logs when counting moves between Redis
/// and the local limiters. Synchronous (no allocation of an async state machine) when Redis is not in use.
/// </summary>
internal sealed partial class RateLimitGate
{
    private readonly RedisRateLimitStore? _redis;
    private readonly LocalRateLimiters _local;
    private readonly ILogger _logger;
    private readonly Gateway.Observability.GatewayMetrics _metrics;
    private int _fleetWide; // 1 while the last check with Redis configured was answered by Redis

    public RateLimitGate(RedisRateLimitStore? redis, LocalRateLimiters local, ILogger<RateLimitGate> logger, Gateway.Observability.GatewayMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        _redis = redis;
        _local = local;
        _logger = logger;
        _metrics = metrics ?? Gateway.Observability.GatewayMetrics.Unscoped;
        if (redis is not null)
        {
            _fleetWide = 1;
            redis.Failed += reason => Log.RedisCheckFailed(_logger, reason, RedisRateLimitStore.Cooldown.TotalSeconds);
        }
    }

    public ValueTask<RateLimitDecision> AcquireAsync(RateLimitPolicy policy, HttpContext context, string? issuer, TokenClaims? claims)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        var partition = RateLimitKey.For(policy, context, issuer, claims);
        if (_redis is null)
        {
            return ValueTask.FromResult(Record(policy, _local.Acquire(policy.Settings, partition)));
        }

        var pending = _redis.TryAcquireAsync(policy.Settings, partition, context.RequestAborted);
#pragma warning disable VSTHRD103 // the synchronous fast path: Result of a task that completed successfully does not block
        return pending.IsCompletedSuccessfully
            ? ValueTask.FromResult(Complete(policy, partition, pending.Result))
            : AwaitRedisAsync(policy, partition, pending);
#pragma warning restore VSTHRD103
    }

    private async ValueTask<RateLimitDecision> AwaitRedisAsync(RateLimitPolicy policy, string partition, ValueTask<RateLimitDecision?> pending) =>
        Complete(policy, partition, await pending.ConfigureAwait(false));

    private RateLimitDecision Complete(RateLimitPolicy policy, string partition, RateLimitDecision? fleet)
    {
        if (fleet is { } decision)
        {
            if (Interlocked.Exchange(ref _fleetWide, 1) == 0)
            {
                Log.FleetWide(_logger);
            }

            return Record(policy, decision);
        }

        if (Interlocked.Exchange(ref _fleetWide, 0) == 1)
        {
            Log.LocalFallback(_logger);
        }

        return Record(policy, _local.Acquire(policy.Settings, partition));
    }

    private RateLimitDecision Record(RateLimitPolicy policy, RateLimitDecision decision)
    {
        if (_metrics.RateLimitDecisions.Enabled)
        {
            _metrics.RateLimitDecisions.Add(1, new TagList
            {
                { Tags.RateLimitPolicy, policy.Name },
                { Tags.Outcome, decision.Allowed ? "allowed" : "limited" },
                { Tags.RateLimitStore, decision.Store == RateLimitStore.Redis ? "redis" : "local" },
            });
        }

        return decision;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RateLimitLocalFallback, LogLevel.Warning, "Rate limits are counted by this replica alone (each allows its share, Limit / ExpectedReplicas): Redis did not answer in time.")]
        public static partial void LocalFallback(ILogger logger);

        [LoggerMessage(EventIds.RateLimitFleetWide, LogLevel.Information, "Rate limits are counted fleet-wide in Redis again.")]
        public static partial void FleetWide(ILogger logger);

        [LoggerMessage(EventIds.RateLimitRedisFailed, LogLevel.Debug, "A rate-limit check in Redis failed ({Reason}); Redis is not asked again for {Seconds} s.")]
        public static partial void RedisCheckFailed(ILogger logger, string reason, double seconds);
    }
}
