using Gateway.Configuration;
using Gateway.RateLimiting;
using Gateway.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Rate limiting: the gate every limited route asks, its Redis counters and its local fallback.</summary>
internal static class RateLimitServiceCollectionExtensions
{
    // The Redis settings are read once at startup, like the connection they share; the policies come with each snapshot.
    internal static void AddRateLimiting(this IServiceCollection services, RedisOptions redis)
    {
        services.TryAddSingleton<LocalRateLimiters>();
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            services.TryAddSingleton(sp => new RedisRateLimitStore(sp.GetRequiredService<RedisConnectionFactory>(), redis, sp.GetRequiredService<TimeProvider>()));
        }

        services.TryAddSingleton(sp => new RateLimitGate(
            sp.GetService<RedisRateLimitStore>(),
            sp.GetRequiredService<LocalRateLimiters>(),
            sp.GetRequiredService<ILogger<RateLimitGate>>(),
            sp.GetRequiredService<Gateway.Observability.GatewayMetrics>()));
    }
}
