using Gateway.Configuration;
using Gateway.Diagnostics.Dashboard;
using Gateway.Hosting;
using Gateway.Observability;
using Gateway.Redis;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Health and metrics endpoints, the optional management listener, and graceful shutdown (read at startup).</summary>
internal static class GatewayManagementExtensions
{
    internal static void AddGatewayManagement(this WebApplicationBuilder builder, GatewayStartupSettings settings)
    {
        var services = builder.Services;
        var management = settings.Management;
        services.TryAddSingleton<DrainState>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = management.DrainTimeout);
        // ASP.NET Core's own knob (ShutdownTimeoutSeconds, ASPNETCORE_SHUTDOWNTIMEOUTSECONDS) is overridden just above:
        // say so at startup rather than let a manifest believe it bounds the drain.
        var ignoredShutdownTimeout = settings.IgnoredShutdownTimeout;
        services.AddHostedService(sp => new ShutdownDrainService(
            sp.GetRequiredService<DrainState>(),
            management.ShutdownDelay,
            management.DrainTimeout,
            ignoredShutdownTimeout,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ShutdownDrainService>>()));
        services.TryAddSingleton(sp => new GatewayStateMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<GatewaySnapshotManager>(),
            sp.GetRequiredService<DrainState>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<RedisConnectionFactory>(),
            sp.GetService<RedisSharedKeyStore>()));

        var listener = ManagementUrl.TryParse(management.Url);
        if (listener is not null && settings.Diagnostics.Dashboard.Enabled)
        {
            AddDashboard(services, settings.EnvironmentName);
        }

        var metricsPath = settings.Observability.Prometheus.Enabled ? settings.Observability.Prometheus.Path : null;
        services.TryAddSingleton(new ManagementEndpointSettings(listener?.Port, metricsPath));
        if (listener is not null)
        {
            // A second listener next to the public one(s): Urls (or HTTP_PORTS), plus the management URL.
            var urls = settings.ServerUrls;
            if (string.IsNullOrWhiteSpace(urls))
            {
                var ports = settings.HttpPorts;
                urls = string.IsNullOrWhiteSpace(ports)
                    ? "http://localhost:5000"
                    : string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => "http://*:" + p));
            }

            builder.WebHost.UseUrls(urls + ";" + listener.ListenUrl);
        }
    }

    // The operator dashboard (Gateway:Diagnostics:Dashboard), on the management listener only: whether it is served at
    // all is decided at startup; switching it off and its key follow the active configuration (reloads included).
    private static void AddDashboard(IServiceCollection services, string environment)
    {
        services.TryAddSingleton(sp =>
        {
            var snapshots = sp.GetRequiredService<GatewaySnapshotManager>();
            return new DashboardCredential(() => snapshots.Current.Options.Diagnostics.Dashboard);
        });
        services.TryAddSingleton(sp => new DashboardState(
            sp.GetRequiredService<GatewaySnapshotManager>(),
            sp.GetRequiredService<DecisionCounters>(),
            sp.GetRequiredService<TimeProvider>(),
            environment,
            sp.GetService<RedisConnectionFactory>(),
            sp.GetService<RedisSharedKeyStore>()));
        services.TryAddSingleton<DashboardEndpoint>();
    }

    /// <summary>
    /// The management endpoints, first in the pipeline and before routing, so no proxy route can shadow
    /// them; then routing (YARP's routes and any other endpoint).
    /// </summary>
    internal static void UseGatewayManagement(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<GatewayStateMetrics>(); // registers the observable instruments
        app.UseMiddleware<ManagementMiddleware>();
        if (app.Services.GetRequiredService<ManagementEndpointSettings>().MetricsPath is { } metricsPath)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context => string.Equals(context.Request.Path.Value, metricsPath, StringComparison.OrdinalIgnoreCase));
        }

        app.UseRouting();
    }
}
