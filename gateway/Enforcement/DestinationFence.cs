using Gateway.Enforcement.Refusals;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Enforcement;

/// <summary>
/// The last check before a request leaves: a request transform (it runs inside YARP's forwarder, with the
/// address the request is actually sent to) that lets the request go only to a destination of the
/// configuration its route plan was compiled from. YARP replaces a destination's address in place on reload,
/// after the enforcement middleware has judged the request; without this check a request judged under an
/// anonymous route's configuration could be sent to the address a new configuration gave to an admin-only
/// service. A mismatch is answered 503 (<c>Retry-After: 1</c>) and the request is not sent.
/// </summary>
internal sealed class DestinationFence
{
    private readonly ILogger _logger;
    private readonly Observability.GatewayMetrics _metrics;

    internal DestinationFence(ILogger logger, Observability.GatewayMetrics? metrics = null)
    {
        _logger = logger;
        _metrics = metrics ?? Observability.GatewayMetrics.Unscoped;
    }

    /// <summary>Adds the fence to every route's transforms (routes are built once per configuration).</summary>
    public static void AddTo(TransformBuilderContext builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var fence = new DestinationFence(builder.Services.GetRequiredService<ILoggerFactory>().CreateLogger<DestinationFence>(), builder.Services.GetRequiredService<Observability.GatewayMetrics>());
        builder.AddRequestTransform(fence.CheckAsync);
    }

    internal ValueTask CheckAsync(RequestTransformContext transform)
    {
        var context = transform.HttpContext;

        // No plan: the request did not pass the enforcement middleware, so nothing vouches for it.
        var plan = context.Features.Get<RoutePlan>();
        if (plan is not null && plan.AllowsDestination(transform.DestinationPrefix))
        {
            return ValueTask.CompletedTask;
        }

        context.Response.Clear();
        return new ValueTask(RefusalResponder.RespondAsync(context, RefusalTable.DestinationChanged, plan?.RouteId ?? "(none)", plan?.Policy.Name ?? "", _metrics, _logger));
    }
}
