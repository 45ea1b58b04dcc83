namespace Gateway.Configuration;

internal sealed record RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string. Empty: keys are cached in memory only.</summary>
    public string? Configuration { get; init; }

    /// <summary>Prefix of every key the gateway writes, so several gateways can share one Redis.</summary>
    public string KeyPrefix { get; init; } = "jwtgw:";

    /// <summary>
    /// Secret shared by every replica (at least 32 characters), used to sign each cache entry with
    /// HMAC-SHA256: a replica never uses an entry whose signature does not verify, so whoever can
    /// write to Redis still cannot inject a signing key. Required when Redis is configured.
    /// </summary>
    public string? IntegrityKey { get; init; }

    /// <summary>Budget for one Redis operation; a slower Redis counts as unavailable for that operation. Default 500 ms.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Budget for one rate-limit check in Redis (default 100 ms, 1 ms to 1 s): a slower answer is not waited for, the
    /// request is counted by the replica's local limiter, and Redis is not asked again for a second.
    /// </summary>
    public TimeSpan RateLimitTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// PEM file of the CA(s) that must have signed Redis's TLS certificate (with <c>ssl=true</c>); the system
    /// trust store is then ignored. Unset: the system trust store decides.
    /// </summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>PEM certificate the gateway presents to Redis (<c>tls-auth-clients yes</c>); needs <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; init; }
}
