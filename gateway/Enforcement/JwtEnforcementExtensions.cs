using Gateway.Enforcement;

namespace Microsoft.AspNetCore.Builder;

public static class JwtEnforcementExtensions
{
    /// <summary>Adds JWT enforcement to YARP's proxy pipeline: <c>app.MapReverseProxy(p => p.UseJwtEnforcement())</c>.</summary>
    public static IApplicationBuilder UseJwtEnforcement(this IApplicationBuilder proxyPipeline) =>
        proxyPipeline.UseMiddleware<JwtEnforcementMiddleware>();

    /// <summary>Refuses ambiguous paths and framing before any policy is chosen: <c>app.MapReverseProxy(p => { p.UseRequestGuard(); p.UseJwtEnforcement(); })</c>.</summary>
    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder proxyPipeline) =>
        proxyPipeline.UseMiddleware<RequestGuardMiddleware>();
}
