using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Redis;
using Gateway.Revocation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Token revocation: the in-memory list every request checks, its Redis level and synchronisation, the management endpoint.</summary>
internal static class RevocationServiceCollectionExtensions
{
    // Read once at startup, like the Redis settings it shares the connection with; only the endpoint's key follows reloads.
    internal static void AddRevocation(this IServiceCollection services, RevocationOptions options, RedisOptions redis)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new RevocationList(sp.GetRequiredService<TimeProvider>()));
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            services.TryAddSingleton(sp => new RedisRevocationStore(
                sp.GetRequiredService<RedisConnectionFactory>(),
                redis.KeyPrefix,
                redis.OperationTimeout,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RedisRevocationStore>>()));
        }

        services.TryAddSingleton(sp => new RevocationSyncService(
            sp.GetRequiredService<RevocationList>(),
            sp.GetService<RedisRevocationStore>(),
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RevocationSyncService>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<RevocationSyncService>());
        services.TryAddSingleton(sp =>
        {
            // The key is the active configuration's, not the startup one's: rotating a leaked key by reload applies at once.
            var snapshots = sp.GetRequiredService<GatewaySnapshotManager>();
            return new RevocationEndpoint(
                new ManagementApiKey(() => snapshots.Current.Options.Revocation.ApiKey),
                sp.GetRequiredService<RevocationList>(),
                sp.GetService<RedisRevocationStore>(),
                snapshots,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RevocationEndpoint>>());
        });
    }
}
