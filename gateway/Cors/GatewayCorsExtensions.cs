using Gateway.Cors;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.AspNetCore.Builder;

internal static class GatewayCorsExtensions
{
    /// <summary>
    /// ASP.NET Core CORS with the gateway's policies (<c>Gateway:Cors</c>, from the current configuration) and
    /// preflight telemetry. Call after <c>AddReverseProxy()</c>.
    /// </summary>
    public static IServiceCollection AddGatewayCors(this IServiceCollection services)
    {
        services.AddCors();
        services.RemoveAll<ICorsPolicyProvider>();
        services.AddSingleton<ICorsPolicyProvider, GatewayCorsPolicyProvider>();
        services.RemoveAll<ICorsService>();
        services.AddSingleton<ICorsService, GatewayCorsService>();
        return services;
    }

    /// <summary>
    /// After routing and before the proxy endpoints: a preflight on a route with a CORS policy is answered here,
    /// without a token and never forwarded; every other answer on such a route (the downstream's, and the
    /// gateway's 401/403/503) gets the policy's CORS headers when it starts.
    /// Only routes with CORS metadata enter the CORS middleware: it marks every request it sees in
    /// <c>HttpContext.Items</c>, an allocation the other routes do not need.
    /// </summary>
    public static IApplicationBuilder UseGatewayCors(this IApplicationBuilder app) =>
        app.UseWhen(HasCorsMetadata, cors => cors.UseCors());

    private static bool HasCorsMetadata(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<ICorsMetadata>() is not null;
}
