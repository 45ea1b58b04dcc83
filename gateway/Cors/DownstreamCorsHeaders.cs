using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Cors;

/// <summary>
/// On a route with a CORS policy the gateway owns the CORS answer: the downstream's own <c>Access-Control-*</c>
/// response headers are removed, so a downstream that answers <c>Access-Control-Allow-Origin: *</c> (or allows
/// credentials) never widens what the gateway's policy allows (an origin the policy refuses would otherwise keep
/// the downstream's headers). The policy's headers are added afterwards, when the response starts.
/// </summary>
internal static class DownstreamCorsHeaders
{
    private static readonly string[] Owned =
    [
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Access-Control-Allow-Private-Network",
    ];

    /// <summary>Adds the removal to the transforms of every route with a CorsPolicy (routes are built once per configuration).</summary>
    public static void AddTo(TransformBuilderContext builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!string.IsNullOrEmpty(builder.Route.CorsPolicy))
        {
            builder.AddResponseTransform(Remove);
        }
    }

    private static ValueTask Remove(ResponseTransformContext transform)
    {
        var headers = transform.HttpContext.Response.Headers;
        foreach (var name in Owned)
        {
            headers.Remove(name);
        }

        return ValueTask.CompletedTask;
    }
}
