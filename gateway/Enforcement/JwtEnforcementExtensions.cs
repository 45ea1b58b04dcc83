using Gateway.Enforcement;

namespace Microsoft.AspNetCore.Builder;

internal static class JwtEnforcementExtensions
{
    /// <summary>Adds JWT enforcement to YARP's proxy pipeline: <c>app.MapReverseProxy(p => p.UseJwtEnforcement())</c>.</summary>
    public static IApplicationBuilder UseJwtEnforcement(this IApplicationBuilder proxyPipeline) =>
        proxyPipeline.UseMiddleware<JwtEnforcementMiddleware>();

    /// <summary>
    /// Refuses ambiguous paths, hosts, methods and framing, and canonicalizes the host (and the path when configured),
    /// before routing: <c>app.UseRequestGuard(); app.UseRouting();</c>. After routing would be too late: the route,
    /// and so the policy, would already be chosen from the uncanonical request.
    /// </summary>
    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestGuardMiddleware>();
}
