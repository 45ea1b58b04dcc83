using System.Diagnostics;
using Gateway.Observability;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Cors;

/// <summary>
/// ASP.NET Core's CORS service, observed: every preflight the gateway answers is counted
/// (<c>jwtgw.cors.preflights</c>, by route, CORS policy, decision and reason), tagged on the request's span, and
/// a refused one is logged. The
/// evaluation and the headers are ASP.NET Core's own.
/// </summary>
internal sealed partial class GatewayCorsService : ICorsService
{
    private readonly CorsService _inner;
    private readonly ILogger<GatewayCorsService> _logger;
    private readonly GatewayMetrics _metrics;

    public GatewayCorsService(IOptions<CorsOptions> options, ILoggerFactory loggers, GatewayMetrics metrics)
    {
        _metrics = metrics;
        _inner = new CorsService(options, loggers);
        _logger = loggers.CreateLogger<GatewayCorsService>();
    }

    public CorsResult EvaluatePolicy(HttpContext context, CorsPolicy policy)
    {
        var result = _inner.EvaluatePolicy(context, policy);
        if (result.IsPreflightRequest)
        {
            var headers = context.Request.Headers;
            var refusal = CorsPreflightCheck.Refusal(policy, result.IsOriginAllowed, headers.AccessControlRequestMethod, headers.AccessControlRequestHeaders);
            var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config;
            var routeId = route?.RouteId ?? "";
            var policyName = route?.CorsPolicy ?? "";
            if (refusal is not null)
            {
                Log.PreflightRefused(_logger, routeId, policyName, refusal, LogValue.Safe(headers.Origin, 256), LogValue.Safe(headers.AccessControlRequestMethod, 16), Enforcement.Refusals.RefusalResponder.TraceId(context));
            }

            // The request's server span: a preflight never reaches the proxy pipeline, where requests are tagged.
            if (context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } activity)
            {
                activity.SetTag(Tags.Route, routeId);
                activity.SetTag(Tags.CorsPolicy, policyName);
                activity.SetTag(Tags.Decision, refusal is null ? "preflight_allowed" : "preflight_refused");
                activity.SetTag(Tags.Reason, refusal ?? GatewayTelemetry.Reasons.None);
            }

            if (_metrics.CorsPreflights.Enabled)
            {
                _metrics.CorsPreflights.Add(1, new TagList
                {
                    { Tags.Route, routeId },
                    { Tags.CorsPolicy, policyName },
                    { Tags.Decision, refusal is null ? "allowed" : "refused" },
                    { Tags.Reason, refusal ?? GatewayTelemetry.Reasons.None },
                });
            }
        }

        return result;
    }

    public void ApplyResult(CorsResult result, HttpResponse response) => _inner.ApplyResult(result, response);

    private static partial class Log
    {
        [LoggerMessage(EventIds.CorsPreflightRefused, LogLevel.Information, "Route {RouteId} (CORS policy {CorsPolicy}): preflight refused: {Reason} (origin {Origin}, method {Method}) traceId={TraceId}")]
        public static partial void PreflightRefused(ILogger logger, string routeId, string corsPolicy, string reason, string origin, string method, string traceId);
    }
}
