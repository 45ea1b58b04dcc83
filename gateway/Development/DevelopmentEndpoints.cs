using Gateway.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Development;

/// <summary>Publishes the development issuer's discovery document and public JWKS (Development environment only).</summary>
public static class DevelopmentEndpoints
{
    public static IEndpointRouteBuilder MapDevelopmentIssuer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(DevelopmentIssuerDefaults.JwksPath, (GatewaySnapshotManager snapshots, DevelopmentKeyStores stores) =>
            Results.Text(stores.Get(snapshots.Current.Options.Development.KeyDirectory).PublicJwksJson(), "application/json"));
        endpoints.MapGet(DevelopmentIssuerDefaults.DiscoveryPath, (HttpContext context, GatewaySnapshotManager snapshots) =>
        {
            var issuer = snapshots.Current.Options.Issuers.Values.FirstOrDefault(i => i.Development);
            var request = context.Request;
            return Results.Json(new Dictionary<string, string>
            {
                ["issuer"] = issuer is null ? DevelopmentIssuerDefaults.Issuer : GatewayConfigValidator.ExpectedIssuer(issuer, DevelopmentIssuerDefaults.Issuer)!,
                ["jwks_uri"] = $"{request.Scheme}://{request.Host}{DevelopmentIssuerDefaults.JwksPath}",
            });
        });
        return endpoints;
    }
}
