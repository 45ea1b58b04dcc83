using Gateway.Configuration;
using Gateway.Development;
using Gateway.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Hosting;

/// <summary>The composition root: configuration sources, services, and the request pipeline.</summary>
public static class GatewayApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var (configPath, rest) = ConfigLocation.ExtractArgument(args);
        var (environmentArgument, _) = ConfigLocation.ExtractArgument(rest, "--environment");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest, EnvironmentName = environmentArgument ?? GatewayEnvironment.Name });
        var location = ConfigLocation.Resolve(configPath, builder.Environment.EnvironmentName);
        builder.Configuration.AddGatewaySources(location, rest);
        builder.WebHost.ConfigureGatewayKestrel(builder.Configuration);
        builder.Services.AddGateway(builder.Configuration, builder.Environment);
        configure?.Invoke(builder);

        var app = builder.Build();

        // Validate and load now, so an invalid configuration stops the process before it listens.
        var snapshots = app.Services.GetRequiredService<GatewaySnapshotManager>();

        app.MapGet("/healthz/live", () => Results.Text("live"));
        app.MapGet("/healthz/ready", () => IsReady(snapshots.Current)
            ? Results.Text("ready")
            : Results.Text("not ready: signing keys not loaded for every issuer", statusCode: StatusCodes.Status503ServiceUnavailable));
        if (app.Environment.IsDevelopment() && snapshots.Current.Options.Issuers.Values.Any(i => i.Development))
        {
            app.MapDevelopmentIssuer();
        }

        app.MapReverseProxy(proxy =>
        {
            proxy.UseRequestGuard();
            proxy.UseJwtEnforcement();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static bool IsReady(GatewaySnapshot snapshot) => snapshot.Issuers.All.All(i => i.Keys.Current is not null);
}
