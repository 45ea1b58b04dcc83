using Gateway.Enforcement;
using Gateway.Keys;
using Gateway.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Holds the current <see cref="GatewaySnapshot"/> and YARP's routes and clusters, both from the same
/// configuration. On a change on disk it rebuilds both; an invalid change is logged with every error
/// and the last good configuration stays active.
/// </summary>
internal sealed partial class GatewaySnapshotManager : IDisposable
{
    private static readonly TimeSpan ReloadDebounce = TimeSpan.FromMilliseconds(300);
    private readonly IConfiguration _configuration;
    private readonly GatewayConfigLoader _loader;
    private readonly KeyManagerPool _keys;
    private readonly InMemoryConfigProvider _proxyConfig;
    private readonly ILogger<GatewaySnapshotManager> _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private IDisposable? _changeSubscription;
    private CancellationTokenSource? _pendingReload;

    // The active snapshot and the one it replaced, published together through one reference.
    private volatile Generations _generations;

    private readonly TimeProvider _time;

    public GatewaySnapshotManager(IConfiguration configuration, GatewayConfigLoader loader, KeyManagerPool keys, InMemoryConfigProvider proxyConfig, GatewaySnapshot initial, ILogger<GatewaySnapshotManager> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        LoadedAt = _time.GetUtcNow();
        _configuration = configuration;
        _loader = loader;
        _keys = keys;
        _proxyConfig = proxyConfig;
        _logger = logger;
        _generations = new Generations(initial, null);
    }

    public GatewaySnapshot Current => _generations.Current;

    /// <summary>
    /// The route plan, and its <paramref name="snapshot"/>, under which a request YARP matched with
    /// <paramref name="route"/> and <paramref name="cluster"/> is judged: the active snapshot's plan when it was
    /// compiled from exactly that route and cluster configuration, else the replaced snapshot's (a request YARP
    /// matched just before a reload reached it). Null when neither produced that configuration: the request must
    /// not be forwarded (<paramref name="snapshot"/> is then the active one).
    /// </summary>
    public RoutePlan? Bind(RouteConfig route, ClusterConfig? cluster, out GatewaySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(route);
        var generations = _generations;
        snapshot = generations.Current;
        if (snapshot.Routes.TryGetValue(route.RouteId, out var plan) && plan.IsBoundTo(route, cluster))
        {
            return plan;
        }

        if (generations.Previous is { } previous && previous.Routes.TryGetValue(route.RouteId, out plan) && plan.IsBoundTo(route, cluster))
        {
            snapshot = previous;
            return plan;
        }

        return null;
    }

    /// <summary>Incremented on each applied reload; tests and health use it.</summary>
    public int Generation { get; private set; }

    /// <summary>When the active configuration was applied (the start, or the last accepted reload).</summary>
    public DateTimeOffset LoadedAt { get; private set; }

    /// <summary>The last reload that was rejected since the start, with its errors (the dashboard shows it); null when none was.</summary>
    public RejectedReload? LastRejected { get; private set; }

    public void StartWatching()
    {
        _changeSubscription = ChangeToken.OnChange(_configuration.GetReloadToken, ScheduleReload);
    }

    // File watchers fire several times per save: wait for the writes to settle.
    private void ScheduleReload()
    {
        var cts = new CancellationTokenSource();
        Interlocked.Exchange(ref _pendingReload, cts)?.Cancel();
        _ = Task.Delay(ReloadDebounce, cts.Token).ContinueWith(
            _ => ReloadAsync(),
            cts.Token,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default).Unwrap();
    }

    public async Task<bool> ReloadAsync()
    {
        await _reloadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var (snapshot, errors) = await _loader.LoadAsync(_configuration, _keys).ConfigureAwait(false);
            if (snapshot is null)
            {
                LastRejected = new RejectedReload(_time.GetUtcNow(), errors.Select(e => e.ToString()).ToList());
                Log.ReloadRejected(_logger, errors.Count, ConfigOrigin.Of(_configuration, _loader.EnvironmentName).ToString(), string.Join("; ", errors));
                return false;
            }

            // The snapshot first: YARP then starts matching the new routes, and a request still matched with the old
            // ones is judged under the replaced snapshot (see Bind), never under the new one.
            _generations = new Generations(snapshot, _generations.Current);
            _proxyConfig.Update(snapshot.Proxy.Routes, snapshot.Proxy.Clusters);
            Generation++;
            LoadedAt = _time.GetUtcNow();
            Log.Reloaded(_logger, snapshot.Proxy.Routes.Count, snapshot.Issuers.All.Count);
            return true;
        }
#pragma warning disable CA1031 // a failed reload must never take the gateway down
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastRejected = new RejectedReload(_time.GetUtcNow(), [ex.Message]);
            Log.ReloadRejected(_logger, 1, ConfigOrigin.Of(_configuration, _loader.EnvironmentName).ToString(), ex.Message);
            return false;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    public void Dispose()
    {
        _changeSubscription?.Dispose();
        _pendingReload?.Cancel();
        _pendingReload?.Dispose();
        _reloadGate.Dispose();
    }

    /// <summary>A configuration change that was not applied: when, and every error.</summary>
    internal sealed record RejectedReload(DateTimeOffset At, IReadOnlyList<string> Errors);

    private sealed record Generations(GatewaySnapshot Current, GatewaySnapshot? Previous);

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConfigurationLoaded, LogLevel.Information, "Configuration reloaded: {RouteCount} route(s), {IssuerCount} issuer(s).")]
        public static partial void Reloaded(ILogger logger, int routeCount, int issuerCount);

        [LoggerMessage(EventIds.ConfigurationReloadFailed, LogLevel.Error, "Configuration change rejected ({ErrorCount} error(s); {Origin}); the last good configuration stays active: {Errors}")]
        public static partial void ReloadRejected(ILogger logger, int errorCount, string origin, string errors);
    }
}
