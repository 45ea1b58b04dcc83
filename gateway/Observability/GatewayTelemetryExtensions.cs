using System.Diagnostics.Metrics;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// All OpenTelemetry wiring of the gateway. What is collected (the gateway's source and meter,
/// ASP.NET Core, HttpClient, YARP and runtime telemetry) is declared always but costs nothing until
/// a provider exists; providers are created only when something exports: OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (traces, metrics and logs; the other standard
/// <c>OTEL_*</c> variables apply), and the Prometheus scrape endpoint when enabled. Nothing by default.
/// </summary>
internal static class GatewayTelemetryExtensions
{
    /// <summary>The service name reported when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "jwt-gateway";

    /// <summary>YARP's own activity source (the forwarding step of each proxied request).</summary>
    public const string YarpActivitySourceName = "Yarp.ReverseProxy";

    /// <summary>The runtime's built-in meter (GC, thread pool, JIT, exceptions; .NET 9 and later).</summary>
    public const string RuntimeMeterName = "System.Runtime";

    internal static void AddGatewayTelemetry(this WebApplicationBuilder builder, Gateway.Hosting.GatewayStartupSettings settings)
    {
        var services = builder.Services;
        var observability = settings.Observability;
        if (observability.ConsoleFormat == ConsoleLogFormat.Json)
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                json.JsonWriterOptions = new JsonWriterOptions { Indented = false };

                // The host's scopes carry TraceId and SpanId (ActivityTrackingOptions): without them a log line
                // cannot be joined to its trace, or to the other lines of the same request.
                json.IncludeScopes = true;
            });
        }

        var metricsPath = observability.Prometheus.Enabled ? observability.Prometheus.Path : null;
        var version = typeof(GatewayTelemetryExtensions).Assembly.GetName().Version?.ToString(3);
        void Resource(ResourceBuilder resource) => resource.AddService(DefaultServiceName, serviceVersion: version);

        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .ConfigureResource(Resource)
            .AddSource(GatewayDiagnostics.ActivitySourceName, YarpActivitySourceName)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsManagementPath(context.Request.Path.Value, metricsPath))
            .AddHttpClientInstrumentation());
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics
            .ConfigureResource(Resource)
            .AddMeter(GatewayDiagnostics.MeterName, RuntimeMeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation());
        services.ConfigureOpenTelemetryMeterProvider(KeepOnlyThisHost);

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && metricsPath is null)
        {
            return; // nothing exports: no provider, no listener, no cost
        }

        services.AddSingleton(new YarpCountersBridge()); // disposed with the container
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(YarpCountersBridge.MeterName));
        var telemetry = services.AddOpenTelemetry();
        if (otlp)
        {
            telemetry.WithTracing().WithMetrics().WithLogging(configureBuilder: null, configureOptions: logs => logs.IncludeFormattedMessage = true);
            telemetry.UseOtlpExporter();
        }

        if (metricsPath is not null)
        {
            // Every scrape sees current values (the exporter caches its answer for 300 ms by default).
            telemetry.WithMetrics(metrics => metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        }
    }

    /// <summary>
    /// A view that keeps only this host's instruments among those created through a meter factory (the gateway's and
    /// ASP.NET Core's meters): OpenTelemetry listens to meters by name across the process, so with several hosts in one
    /// process (the tests) each provider would otherwise add up every host's measurements. Meters that belong to no
    /// factory (the runtime's, HttpClient's) stay as they are. One gateway per process, as deployed, drops nothing.
    /// </summary>
    private static void KeepOnlyThisHost(IServiceProvider provider, MeterProviderBuilder metrics) =>
        metrics.AddView(OnlyThisHost(provider.GetRequiredService<IMeterFactory>()));

    internal static Func<Instrument, MetricStreamConfiguration?> OnlyThisHost(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null;

    /// <summary>The gateway's per-request telemetry (metrics, span tags, access log): first in YARP's proxy pipeline.</summary>
    public static IApplicationBuilder UseRequestTelemetry(this IApplicationBuilder proxyPipeline) =>
        proxyPipeline.UseMiddleware<RequestTelemetryMiddleware>();

    internal static bool IsManagementPath(string? path, string? metricsPath) =>
        ManagementPaths.IsHealth(path)
        || (metricsPath is not null && string.Equals(path, metricsPath, StringComparison.OrdinalIgnoreCase));
}
