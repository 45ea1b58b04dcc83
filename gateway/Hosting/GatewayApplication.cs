using Gateway.Configuration;
using Gateway.Development;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Hosting;

/// <summary>The composition root: configuration sources, services, and the request pipeline.</summary>
internal static class GatewayApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var (configPath, rest) = ConfigLocation.ExtractArgument(args);
        var (environmentArgument, _) = ConfigLocation.ExtractArgument(rest, "--environment");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, EnvironmentName = environmentArgument ?? GatewayEnvironment.Name });
        var location = ConfigLocation.Resolve(configPath, builder.Environment.EnvironmentName);
        builder.Configuration.RemoveHostFileSources();
        builder.Configuration.AddGatewaySources(location, rest);

        // Every error at once, with the environment and the files, before the host reads any setting; then the settings
        // read once at startup, from that same validated configuration, for every registration.
        // Startup only, before the host exists (WebApplicationBuilder has no asynchronous build step); Task.Run keeps
        // the wait off any synchronization context.
#pragma warning disable VSTHRD002
        var settings = Task.Run(() => GatewayStartupSettings.LoadAsync(builder.Configuration, builder.Environment.EnvironmentName)).GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
        builder.WebHost.ConfigureGatewayKestrel(settings);
        builder.Services.AddGateway(builder.Configuration, settings, builder.Environment);
        builder.AddGatewayTelemetry(settings);
        builder.AddGatewayManagement(settings);
        configure?.Invoke(builder);

        var app = builder.Build();

        // Validate and load now, so an invalid configuration stops the process before it listens.
        var snapshots = app.Services.GetRequiredService<GatewaySnapshotManager>();

        app.UseRequestGuard(); // before routing: the route is chosen from the canonical path and host
        app.UseGatewayManagement(); // /healthz/live, /healthz/ready, /metrics: before routing, never proxied
        app.UseGatewayCors(); // after routing (it reads the route's CorsPolicy), before the proxy: preflights answered, refusals get CORS headers
        if (app.Environment.IsDevelopment() && snapshots.Current.Options.Issuers.Values.Any(i => i.Development))
        {
            app.MapDevelopmentIssuer();
        }

        app.MapReverseProxy(proxy =>
        {
            proxy.UseRequestTelemetry();
            proxy.UseJwtEnforcement();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        app.Services.GetRequiredService<Diagnostics.ExplainRoutes>().Attach(app); // explain and the dashboard match routes like requests
        return app;
    }
}
