using Gateway.Enforcement;
using Gateway.Introspection;
using Gateway.Keys;
using Gateway.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Holds the current <see cref="GatewaySnapshot"/> and YARP's routes and clusters, both from the same
/// configuration. One path loads a configuration, at startup (<see cref="InitialLoadAsync"/>) and on a change on
/// disk (<see cref="ReloadAsync"/>), as YARP's <c>ProxyConfigManager</c> does: read and validate, attach the key
/// managers, compile, publish, release the key managers no longer used (<see cref="ApplyAsync"/>). An invalid
/// change is logged with every error and the last good configuration stays active; at startup it stops the process.
/// </summary>
internal sealed partial class GatewaySnapshotManager : IDisposable
{
    private static readonly TimeSpan ReloadDebounce = TimeSpan.FromMilliseconds(300);
    private readonly IConfiguration _configuration;
    private readonly GatewayConfigLoader _loader;
    private readonly Lazy<KeyManagerPool> _keys;
    private readonly TokenIntrospectorFactory _introspection;
    private readonly InMemoryConfigProvider _proxyConfig;
    private readonly ILogger<GatewaySnapshotManager> _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private IDisposable? _changeSubscription;
    private CancellationTokenSource? _pendingReload;

    // The active snapshot and the one it replaced, published together through one reference (null until the initial load).
    private volatile Generations? _generations;
    private GatewayOptions? _startupOptions; // the first load's: what the startup-only settings were applied from

    private readonly TimeProvider _time;

    /// <param name="configuration">The configuration read at startup and on every change.</param>
    /// <param name="loader">Reads and validates it (shape, binding, rules).</param>
    /// <param name="keys">
    /// Asked for only once a configuration is valid: at startup, creating the pool connects to the Redis the
    /// configuration names (and would throw on a bad connection string instead of every error being reported).
    /// </param>
    /// <param name="introspection">Builds the issuers' introspection clients for each snapshot.</param>
    /// <param name="proxyConfig">YARP's routes and clusters, updated after each snapshot is published.</param>
    /// <param name="logger">Reload outcomes.</param>
    /// <param name="time">The clock (the system clock when null).</param>
    public GatewaySnapshotManager(IConfiguration configuration, GatewayConfigLoader loader, Func<KeyManagerPool> keys, TokenIntrospectorFactory introspection, InMemoryConfigProvider proxyConfig, ILogger<GatewaySnapshotManager> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _configuration = configuration;
        _loader = loader;
        _keys = new Lazy<KeyManagerPool>(keys);
        _introspection = introspection;
        _proxyConfig = proxyConfig;
        _logger = logger;
    }

    /// <summary>The active snapshot (after <see cref="InitialLoadAsync"/>).</summary>
    public GatewaySnapshot Current => (_generations ?? throw new InvalidOperationException("No configuration was loaded yet.")).Current;

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
        var generations = _generations ?? throw new InvalidOperationException("No configuration was loaded yet.");
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

    /// <summary>
    /// Loads the configuration at startup, before the gateway listens.
    /// </summary>
    /// <exception cref="GatewayConfigurationException">The configuration is invalid: every error, with its path.</exception>
    public async Task InitialLoadAsync()
    {
        await _reloadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var errors = await ApplyAsync().ConfigureAwait(false);
            if (errors.Count > 0)
            {
                throw new GatewayConfigurationException(errors, ConfigOrigin.Of(_configuration, _loader.EnvironmentName));
            }
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>Loads the configuration again (a change on disk): true when applied; false when rejected, the last good one staying active.</summary>
    public async Task<bool> ReloadAsync()
    {
        await _reloadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var errors = await ApplyAsync().ConfigureAwait(false);
            if (errors.Count > 0)
            {
                LastRejected = new RejectedReload(_time.GetUtcNow(), errors.Select(e => e.ToString()).ToList());
                Log.ReloadRejected(_logger, errors.Count, ConfigOrigin.Of(_configuration, _loader.EnvironmentName).ToString(), string.Join("; ", errors));
                return false;
            }

            Generation++;
            var snapshot = Current;
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

    // The one way a configuration comes into force (the caller holds the gate): read and validate; attach key managers
    // to its issuers (the unchanged ones keep theirs); compile; publish; release the managers nothing uses any more.
    // Invalid: the errors, and nothing changed. Throws when compiling fails: nothing changed either.
    private async Task<List<ConfigError>> ApplyAsync()
    {
        var (gateway, proxy, errors) = await _loader.ReadAsync(_configuration).ConfigureAwait(false);
        if (errors.Count == 0 && _startupOptions is { } startup)
        {
            errors.AddRange(StartupOnlySettings.ChangedBy(startup, gateway!));
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        var keys = _keys.Value;
        var attached = keys.Attach(GatewaySnapshotBuilder.KeySources(gateway!));
        GatewaySnapshot snapshot;
        try
        {
            snapshot = GatewaySnapshotBuilder.Build(gateway!, proxy!, attached, _time, _introspection);
        }
        catch
        {
            // Nothing changed: the managers this attempt created go, the active configuration's stay.
            keys.ReleaseAllExcept(_generations?.Current.Issuers.All.Select(i => i.Keys) ?? []);
            throw;
        }

        // The snapshot first: YARP then starts matching the new routes, and a request still matched with the old
        // ones is judged under the replaced snapshot (see Bind), never under the new one.
        _generations = new Generations(snapshot, _generations?.Current);
        _startupOptions ??= gateway;
        _proxyConfig.Update(snapshot.Proxy.Routes, snapshot.Proxy.Clusters);
        LoadedAt = _time.GetUtcNow();

        // A request still judged under the replaced snapshot may hold a released manager: it answers from the keys in
        // memory and loads nothing (IssuerKeyManager.Lifetime.cs).
        keys.ReleaseAllExcept(attached.Values);
        return errors;
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
