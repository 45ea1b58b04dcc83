using Gateway.Configuration;
using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// The fleet's rate-limit counters in Redis: one hash per partition, <c>{prefix}ratelimit:{hash}</c> (see
/// <see cref="RateLimitKey"/>), read and updated by one Lua script per request (one round trip, atomic, timed by the
/// Redis server's clock so every replica's windows line up), and expiring by itself once idle.
/// <para>
/// Failure contract: never throws and never waits longer than the rate-limit timeout. Unavailable (not connected,
/// too slow, an error) reads as null: the caller counts locally. After a failure Redis is not asked for
/// <see cref="Cooldown"/>, so a slow Redis costs one timeout per second, not one per request.
/// </para>
/// </summary>
internal sealed class RedisRateLimitStore
{
    /// <summary>How long Redis is left alone after a failed check.</summary>
    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(1);

    // Fixed window: KEYS[1] = counter; ARGV = limit, window (ms). Windows are aligned on the server's clock.
    // Returns {allowed (1/0), remaining, ms until the window ends}.
    internal const string FixedWindowScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local start = now - (now % window)
        local f = redis.call('HMGET', KEYS[1], 's', 'n')
        local count = 1
        if tonumber(f[1]) == start then count = tonumber(f[2]) + 1 end
        if count <= limit + 1 then
          redis.call('HSET', KEYS[1], 's', start, 'n', count)
          redis.call('PEXPIREAT', KEYS[1], start + window + 1000)
        end
        local reset = start + window - now
        if count <= limit then return {1, limit - count, reset} end
        return {0, 0, reset}
        """;

    // Token bucket: KEYS[1] = bucket; ARGV = capacity, tokens per window, window (ms).
    // Returns {allowed (1/0), whole tokens left, ms until full (allowed) or until the next token (refused)}.
    internal const string TokenBucketScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2]) / tonumber(ARGV[3])
        local f = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = capacity
        if f[1] then tokens = math.min(capacity, tonumber(f[1]) + math.max(0, now - tonumber(f[2])) * rate) end
        local allowed = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', now)
        local full = math.ceil((capacity - tokens) / rate)
        redis.call('PEXPIRE', KEYS[1], full + 1000)
        if allowed == 1 then return {1, math.floor(tokens), full} end
        return {0, 0, math.ceil((1 - tokens) / rate)}
        """;

    private readonly RedisConnectionFactory _connections;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private long _skipUntil; // TimeProvider timestamp; 0: ask Redis

    public RedisRateLimitStore(RedisConnectionFactory connections, RedisOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(options);
        _connections = connections;
        _prefix = options.KeyPrefix + "ratelimit:";
        _timeout = options.RateLimitTimeout;
        _time = time;
    }

    /// <summary>Raised with the failure's kind when a check could not use Redis (before the cooldown starts).</summary>
    public event Action<string>? Failed;

    /// <summary>The Redis key of a partition.</summary>
    public RedisKey KeyOf(string partition) => _prefix + partition;

    /// <summary>Counts the request in Redis; null when Redis cannot answer in time (count it locally).</summary>
    public ValueTask<RateLimitDecision?> TryAcquireAsync(RateLimitSettings settings, string partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var skipUntil = Volatile.Read(ref _skipUntil);
        if (skipUntil != 0 && _time.GetTimestamp() < skipUntil)
        {
            return ValueTask.FromResult<RateLimitDecision?>(null);
        }

        // Never wait for a connection to be made: until it is, requests are counted locally.
        var connecting = _connections.GetConnectionAsync();
        if (!connecting.IsCompletedSuccessfully || !connecting.Result.IsConnected)
        {
            return ValueTask.FromResult<RateLimitDecision?>(null);
        }

#pragma warning disable VSTHRD103 // connecting completed successfully (checked above): its Result does not block
        return EvaluateAsync(connecting.Result.GetDatabase(), settings, partition, cancellationToken);
#pragma warning restore VSTHRD103
    }

    private async ValueTask<RateLimitDecision?> EvaluateAsync(IDatabase database, RateLimitSettings settings, string partition, CancellationToken cancellationToken)
    {
        var windowMs = (long)settings.Window.TotalMilliseconds;
        try
        {
            var pending = settings.Algorithm == RateLimitAlgorithm.TokenBucket
                ? database.ScriptEvaluateAsync(TokenBucketScript, [KeyOf(partition)], [settings.Burst, settings.Limit, windowMs])
                : database.ScriptEvaluateAsync(FixedWindowScript, [KeyOf(partition)], [settings.Limit, windowMs]);
            var result = (RedisResult[])(await pending.WaitAsync(_timeout, _time, cancellationToken).ConfigureAwait(false))!;
            Volatile.Write(ref _skipUntil, 0);
            return new RateLimitDecision((long)result[0] == 1, Math.Max(0, (long)result[1]), TimeSpan.FromMilliseconds(Math.Max(0, (long)result[2])), RateLimitStore.Redis);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null; // the client went away: nothing to learn about Redis
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException or InvalidCastException or IndexOutOfRangeException)
        {
            Volatile.Write(ref _skipUntil, _time.GetTimestamp() + (long)(Cooldown.TotalSeconds * _time.TimestampFrequency));
            Failed?.Invoke(ex is TimeoutException ? "timeout" : ex.GetType().Name);
            return null;
        }
    }
}
