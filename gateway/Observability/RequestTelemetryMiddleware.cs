using System.Diagnostics;
using Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// First in YARP's proxy pipeline: once the response is complete, records the request's decision as
/// metrics (<c>jwtgw.requests</c>, <c>jwtgw.request.duration</c>), as tags of the request's span, and
/// as an access log line when enabled. Records names and reasons only, never the token or claim
/// values (the subject only when <c>Gateway:Observability:IncludeSubject</c> is true).
/// </summary>
internal sealed partial class RequestTelemetryMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly ILogger _accessLog;
    private readonly GatewayMetrics _metrics;

    public RequestTelemetryMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, ILoggerFactory loggers, GatewayMetrics metrics)
    {
        _next = next;
        _metrics = metrics;
        _snapshots = snapshots;
        _accessLog = loggers.CreateLogger(AccessLogCategory);
    }

    public Task Invoke(HttpContext context) =>
        IsObserved(context) ? InvokeObservedAsync(context) : _next(context);

    // Nothing listens (no metrics exporter, no access log, no sampled span): no feature, no state machine.
    private bool IsObserved(HttpContext context) =>
        _metrics.Requests.Enabled
        || _metrics.RequestDuration.Enabled
        || _metrics.ForwarderErrors.Enabled
        || (_snapshots.Current.Observability.AccessLog && _accessLog.IsEnabled(LogLevel.Information))
        || (context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { IsAllDataRequested: true };

    private async Task InvokeObservedAsync(HttpContext context)
    {
        var outcome = new RequestOutcomeFeature();
        context.Features.Set(outcome);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            Complete(context, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Complete(HttpContext context, RequestOutcomeFeature outcome, TimeSpan elapsed)
    {
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        var decision = GatewayTelemetry.Decision(outcome.Decision);
        var tags = new TagList
        {
            { Tags.Route, routeId },
            { Tags.Policy, outcome.Policy },
            { Tags.Decision, decision },
        };
        _metrics.Requests.Add(1, tags);
        _metrics.RequestDuration.Record(elapsed.TotalSeconds, tags);

        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is not null && _metrics.ForwarderErrors.Enabled)
        {
            _metrics.ForwarderErrors.Add(1, new TagList { { Tags.Route, routeId }, { Tags.ForwarderError, error.Error.ToString() } });
        }

        var options = _snapshots.Current.Observability;
        var subject = options.IncludeSubject ? outcome.Claims?.Subject : null;
        // The request's server span (YARP's proxy.forwarder span is Activity.Current inside its pipeline).
        if ((context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(Tags.Route, routeId);
            activity.SetTag(Tags.Policy, outcome.Policy);
            activity.SetTag(Tags.Decision, decision);
            activity.SetTag(Tags.Reason, outcome.Reason);
            if (outcome.Issuer is not null)
            {
                activity.SetTag(Tags.Issuer, outcome.Issuer);
            }

            if (subject is not null)
            {
                activity.SetTag(Tags.Subject, LogValue.Safe(subject, 256));
            }
        }

        if (options.AccessLog && _accessLog.IsEnabled(LogLevel.Information))
        {
            var request = context.Request;
            Log.Access(
                _accessLog,
                request.Method,
                LogValue.Safe(request.Path.Value, 256),
                context.Response.StatusCode,
                Math.Round(elapsed.TotalMilliseconds, 2),
                routeId,
                outcome.Policy,
                decision,
                outcome.Reason,
                outcome.Issuer ?? "-",
                subject is null ? "-" : LogValue.Safe(subject, 256),
                error is null ? "-" : error.Error.ToString(),
                Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AccessLog, LogLevel.Information, "{Method} {Path} {StatusCode} {DurationMs} ms route={RouteId} policy={Policy} decision={Decision} reason={Reason} issuer={Issuer} subject={Subject} proxyError={ProxyError} traceId={TraceId}")]
        public static partial void Access(ILogger logger, string method, string path, int statusCode, double durationMs, string routeId, string policy, string decision, string reason, string issuer, string subject, string proxyError, string traceId);
    }
}
