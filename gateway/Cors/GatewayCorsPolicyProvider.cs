using Gateway.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace Gateway.Cors;

/// <summary>
/// ASP.NET Core's CORS middleware asks this for a route's policy: it serves the compiled <c>Gateway:Cors</c>
/// policies of the configuration the request's route was compiled from (the replaced one for a request YARP
/// matched just before a reload), so policies hot-reload with the rest and a route never gets a policy of
/// another configuration's name.
/// </summary>
internal sealed class GatewayCorsPolicyProvider : ICorsPolicyProvider
{
    private static readonly Task<CorsPolicy?> NoPolicy = Task.FromResult<CorsPolicy?>(null);
    private readonly IServiceProvider _services;
    private GatewaySnapshotManager? _snapshots;

    // The snapshot manager is resolved on first use: YARP's config validator depends on this provider, and the
    // snapshot manager is built by validating the configuration.
    public GatewayCorsPolicyProvider(IServiceProvider services)
    {
        _services = services;
    }

    private GatewaySnapshotManager Snapshots => _snapshots ??= _services.GetRequiredService<GatewaySnapshotManager>();

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.GetEndpoint();
        if (policyName is null)
        {
            // No name: the middleware asks for every endpoint without CORS metadata too. Only a route whose CorsPolicy
            // is YARP's "Default" (an EnableCors without a name) has the default policy, Gateway:Cors:Default.
            if (endpoint?.Metadata.GetMetadata<ICorsMetadata>() is not IEnableCorsAttribute)
            {
                return NoPolicy;
            }

            policyName = CorsPolicyCompiler.DefaultPolicyName;
        }
        else if (string.Equals(policyName, CorsPolicyCompiler.DefaultPolicyName, StringComparison.OrdinalIgnoreCase))
        {
            // Asked by name only by YARP's validator, checking that no policy takes its reserved name.
            return NoPolicy;
        }

        var snapshot = Snapshots.Current;
        if (endpoint?.Metadata.GetMetadata<RouteModel>() is { } route)
        {
            _ = Snapshots.Bind(route.Config, route.Cluster?.Model.Config, out snapshot);
        }

        return snapshot.Cors.TryGetValue(policyName, out var policy) ? Task.FromResult<CorsPolicy?>(policy) : NoPolicy;
    }
}
