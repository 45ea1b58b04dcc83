using Gateway.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Development;

/// <summary>Publishes the development issuer's discovery document and public JWKS (Development environment only).</summary>
internal static class DevelopmentEndpoints
{
    public static IEndpointRouteBuilder MapDevelopmentIssuer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(DevelopmentIssuerDefaults.JwksPath, (GatewaySnapshotManager snapshots, DevelopmentKeyStores stores) =>
            Results.Text(stores.Get(snapshots.Current.Options.Development.KeyDirectory).PublicJwksJson(), "application/json"));
        endpoints.MapGet(DevelopmentIssuerDefaults.DiscoveryPath, (GatewaySnapshotManager snapshots) =>
        {
            var issuer = snapshots.Current.Options.Issuers.Values.FirstOrDefault(i => i.Development);
            var name = issuer is null ? DevelopmentIssuerDefaults.Issuer : ExpectedIssuer.Of(issuer, DevelopmentIssuerDefaults.Issuer)!;
            return Results.Json(new Dictionary<string, string>
            {
                ["issuer"] = name,
                ["jwks_uri"] = JwksUriFor(name),
            });
        });
        return endpoints;
    }

    /// <summary>
    /// The JWKS address announced for <paramref name="issuer"/>: the issuer's own origin and the path the
    /// gateway serves the keys on. Never built from the request's <c>Host</c>, which the client chooses: a
    /// document announcing <c>evil.example</c> would point anyone who trusts it at an attacker's keys.
    /// </summary>
    public static string JwksUriFor(string issuer)
    {
        var origin = Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : new Uri(DevelopmentIssuerDefaults.Issuer);
        return origin.GetLeftPart(UriPartial.Authority) + DevelopmentIssuerDefaults.JwksPath;
    }
}
