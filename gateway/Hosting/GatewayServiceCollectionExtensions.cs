using Gateway.Configuration;
using Gateway.Development;
using Gateway.Enforcement;
using Gateway.Hosting;
using Gateway.Keys;
using Gateway.Redis;
using Gateway.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

internal static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway: YARP fed from the validated configuration, the key cache (memory, plus
    /// Redis when <c>Gateway:Redis:Configuration</c> is set), token validation and enforcement.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The configuration the snapshots are loaded from (at startup and on every change).</param>
    /// <param name="settings">The settings read once at startup (<see cref="GatewayStartupSettings"/>).</param>
    /// <param name="environment">The hosting environment.</param>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration, GatewayStartupSettings settings, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(settings);
        // The CA bundle is read once, at startup (like the other backchannel settings).
        var caBundle = settings.Backchannel.CaBundlePath;
        services.AddHttpClient(KeyManagerPool.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => BackchannelTrust.CreateHandler(string.IsNullOrWhiteSpace(caBundle) ? null : caBundle));
        services.TryAddSingleton<DevelopmentKeyStores>();
        AddKeyCache(services, settings.Redis);
        AddDpopReplayCache(services, settings);
        services.AddRevocation(settings.Revocation, settings.Redis);
        services.AddRateLimiting(settings.Redis);
        // The request-path instruments of this host, on its own meter (IMeterFactory), so that two hosts in one process never count each other's requests.
        services.TryAddSingleton(sp => new Gateway.Observability.GatewayMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new Gateway.Observability.DecisionCounters(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<Gateway.Diagnostics.ExplainRoutes>();
        services.TryAddSingleton(sp => new KeyManagerPool(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<ISharedKeyStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<DevelopmentKeyStores>().Get,
            sp.GetRequiredService<Gateway.Observability.GatewayMetrics>()));
        services.TryAddSingleton(sp => new Gateway.Introspection.TokenIntrospectorFactory(
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<Gateway.Introspection.ISharedIntrospectionCache>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<Gateway.Observability.GatewayMetrics>()));

        // YARP reads routes and clusters from the snapshot manager, never straight from the files:
        // a configuration change reaches YARP only once the whole gateway configuration is valid.
        services.TryAddSingleton(new InMemoryConfigProvider([], []));
        services.TryAddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<InMemoryConfigProvider>());
        // Every route's last request transform: the address YARP sends to must belong to the configuration the request was judged under.
        services.AddReverseProxy().AddTransforms(DestinationFence.AddTo).AddTransforms(Gateway.Cors.DownstreamCorsHeaders.AddTo);
        services.AddGatewayCors();

        services.TryAddSingleton(sp => new GatewayConfigLoader(sp.GetRequiredService<IConfigValidator>(), environment.EnvironmentName));
        services.TryAddSingleton(sp => CreateSnapshotManager(sp, configuration));
        services.AddHostedService<KeyRefreshService>();

        var demoUrl = settings.Development.DemoDownstreamUrl;
        if (environment.IsDevelopment() && !string.IsNullOrWhiteSpace(demoUrl))
        {
            services.AddHostedService(sp => new DemoDownstreamService(demoUrl, sp.GetRequiredService<ILogger<DemoDownstreamService>>()));
        }

        return services;
    }

    // Redis settings are read once at startup: changing them needs a restart (the connection lives as long as the process).
    private static void AddKeyCache(IServiceCollection services, RedisOptions redis)
    {
        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            services.TryAddSingleton<ISharedKeyStore>(MemoryOnlyKeyStore.Instance);
            services.TryAddSingleton<Gateway.Introspection.ISharedIntrospectionCache>(Gateway.Introspection.NoSharedIntrospectionCache.Instance);
            return;
        }

        services.TryAddSingleton(_ => new RedisConnectionFactory(
            redis.Configuration, RedisTls.Load(redis.CaCertificatePath, redis.ClientCertificatePath, redis.ClientKeyPath)));
        services.TryAddSingleton(sp => new RedisSharedKeyStore(
            sp.GetRequiredService<RedisConnectionFactory>(),
            new KeyEntryProtector(redis.IntegrityKey ?? throw new GatewayConfigurationException([new ConfigError("Gateway:Redis:IntegrityKey", "required with Redis")])),
            redis.KeyPrefix,
            redis.OperationTimeout,
            sp.GetRequiredService<ILogger<RedisSharedKeyStore>>()));
        services.TryAddSingleton<ISharedKeyStore>(sp => sp.GetRequiredService<RedisSharedKeyStore>());
        // Introspection answers are shared under the same integrity key: whoever can write to Redis still cannot make a token active.
        services.TryAddSingleton<Gateway.Introspection.ISharedIntrospectionCache>(sp => new RedisIntrospectionCache(
            sp.GetRequiredService<RedisConnectionFactory>(),
            new KeyEntryProtector(redis.IntegrityKey ?? throw new GatewayConfigurationException([new ConfigError("Gateway:Redis:IntegrityKey", "required with Redis")])),
            redis.KeyPrefix,
            redis.OperationTimeout,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisIntrospectionCache>>(),
            sp.GetRequiredService<Gateway.Observability.GatewayMetrics>()));
    }

    // The used DPoP proof ids: in Redis for the fleet when Redis is configured (with this replica's memory as its first
    // level and fallback), else in memory. Sized once at startup, like the Redis settings.
    private static void AddDpopReplayCache(IServiceCollection services, GatewayStartupSettings settings)
    {
        var dpop = settings.Dpop;
        var redis = settings.Redis;
        services.TryAddSingleton(sp => new Gateway.SenderConstraints.MemoryDpopReplayCache(dpop.ReplayCacheMaxEntries, sp.GetRequiredService<TimeProvider>()));
        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            services.TryAddSingleton<Gateway.SenderConstraints.IDpopReplayCache>(sp => sp.GetRequiredService<Gateway.SenderConstraints.MemoryDpopReplayCache>());
            return;
        }

        services.TryAddSingleton<Gateway.SenderConstraints.IDpopReplayCache>(sp => new Gateway.SenderConstraints.RedisDpopReplayCache(
            sp.GetRequiredService<RedisConnectionFactory>(),
            sp.GetRequiredService<Gateway.SenderConstraints.MemoryDpopReplayCache>(),
            redis.KeyPrefix,
            redis.OperationTimeout,
            sp.GetRequiredService<ILogger<Gateway.SenderConstraints.RedisDpopReplayCache>>(),
            sp.GetRequiredService<Gateway.Observability.GatewayMetrics>()));
    }

    // The first load, here, and every reload take the same path (GatewaySnapshotManager.ApplyAsync).
    private static GatewaySnapshotManager CreateSnapshotManager(IServiceProvider services, IConfiguration configuration)
    {
        var manager = new GatewaySnapshotManager(
            configuration,
            services.GetRequiredService<GatewayConfigLoader>(),
            services.GetRequiredService<KeyManagerPool>, // resolved once the configuration validated (it connects to Redis)
            services.GetRequiredService<Gateway.Introspection.TokenIntrospectorFactory>(),
            services.GetRequiredService<InMemoryConfigProvider>(),
            services.GetRequiredService<ILogger<GatewaySnapshotManager>>(),
            services.GetRequiredService<TimeProvider>());

        // Blocking here is startup only; Task.Run keeps it off the caller's synchronization context (a test host's, say).
#pragma warning disable VSTHRD002 // startup only, inside a DI factory (which cannot be asynchronous): see above
        Task.Run(manager.InitialLoadAsync).GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
        manager.StartWatching();
        return manager;
    }
}
