namespace Gateway.Configuration;

public sealed record RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string. Empty: keys are cached in memory only.</summary>
    public string? Configuration { get; init; }

    /// <summary>Prefix of every key the gateway writes, so several gateways can share one Redis.</summary>
    public string KeyPrefix { get; init; } = "jwtgw:";
}
