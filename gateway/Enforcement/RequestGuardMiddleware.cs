using Gateway.Configuration;
using Gateway.Enforcement.Refusals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Gateway.Enforcement;

/// <summary>
/// First step of the pipeline, before routing: refuses a request the downstream could read differently from the
/// gateway (400; 405 for a method the gateway does not forward), canonicalizes the host and, when configured,
/// normalizes the path, so that routing, the policy and the forwarded request all see the same path and host.
/// See <see cref="RequestGuard"/> for the rules.
/// </summary>
internal sealed class RequestGuardMiddleware
{
    // Where Kestrel puts a Content-Length it received beside Transfer-Encoding (it reads the body as chunked).
    private const string MovedContentLength = "X-Content-Length";

    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly ILogger<RequestGuardMiddleware> _logger;
    private readonly Observability.GatewayMetrics _metrics;

    public RequestGuardMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, ILogger<RequestGuardMiddleware> logger, Observability.GatewayMetrics metrics)
    {
        _metrics = metrics;
        _next = next;
        _snapshots = snapshots;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.Request;
        var refusal = CheckTarget(
            request.Method,
            context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true,
            request.Host.Value,
            request.Path.Value,
            _snapshots.Current.Options.Limits.PathNormalization,
            out var canonicalHost,
            out var normalizedPath)
            ?? RequestGuard.CheckFraming(request.Headers[HeaderNames.ContentLength], request.Headers.TransferEncoding.Count > 0, request.Headers.ContainsKey(MovedContentLength));
        if (refusal is not null)
        {
            return Refuse(context, refusal);
        }

        if (canonicalHost is not null)
        {
            request.Host = new HostString(canonicalHost);
        }

        if (normalizedPath is not null)
        {
            request.Path = new PathString(normalizedPath);
        }

        return _next(context);
    }

    /// <summary>
    /// The guard's rules on a request's method, host and path, in the order the pipeline applies them (also used by
    /// <c>explain</c>): the refused rule, or null with the canonical host and, under
    /// <see cref="PathNormalization.Normalize"/>, the normalized path (each null when unchanged). Path parameters,
    /// trailing dots, whitespace are refused, or normalized when configured (the normalized path is the one routed and,
    /// since the forwarder builds the outgoing path from Request.Path, the one forwarded).
    /// </summary>
    internal static string? CheckTarget(string method, bool isExtendedConnect, string? host, string? path, PathNormalization normalization, out string? canonicalHost, out string? normalizedPath)
    {
        canonicalHost = null;
        normalizedPath = null;
        if (RequestGuard.CheckMethod(method, isExtendedConnect) is { } refusedMethod)
        {
            return refusedMethod;
        }

        var refusal = RequestGuard.CheckHost(host, out canonicalHost) ?? RequestGuard.CheckPath(path);
        if (refusal is not null)
        {
            return refusal;
        }

        refusal = RequestGuard.CheckSegments(path);
        if (refusal is null || normalization != PathNormalization.Normalize)
        {
            return refusal;
        }

        var normalized = RequestGuard.NormalizeSegments(path!);
        refusal = RequestGuard.CheckPath(normalized) ?? RequestGuard.CheckSegments(normalized);
        if (refusal is null)
        {
            normalizedPath = normalized;
        }

        return refusal;
    }

    // Before routing: no route, no policy.
    private Task Refuse(HttpContext context, string rule) =>
        RefusalResponder.RespondAsync(context, RefusalTable.ForGuard(rule), "", "", _metrics, _logger);
}
