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

    public RequestGuardMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, ILogger<RequestGuardMiddleware> logger)
    {
        _next = next;
        _snapshots = snapshots;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.Request;
        if (RequestGuard.CheckMethod(request.Method, context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true) is { } method)
        {
            return Refuse(context, method);
        }

        var refusal = RequestGuard.CheckHost(request.Host.Value, out var canonicalHost)
            ?? RequestGuard.CheckPath(request.Path.Value)
            ?? CheckSegments(request)
            ?? RequestGuard.CheckFraming(request.Headers[HeaderNames.ContentLength], request.Headers.TransferEncoding.Count > 0, request.Headers.ContainsKey(MovedContentLength));
        if (refusal is not null)
        {
            return Refuse(context, refusal);
        }

        if (canonicalHost is not null)
        {
            request.Host = new HostString(canonicalHost);
        }

        return _next(context);
    }

    // Path parameters, trailing dots, whitespace: refused, or normalized when configured (the normalized path is the
    // one routed and, since the forwarder builds the outgoing path from Request.Path, the one forwarded).
    private string? CheckSegments(HttpRequest request)
    {
        var path = request.Path.Value;
        var refusal = RequestGuard.CheckSegments(path);
        if (refusal is null || _snapshots.Current.Options.Limits.PathNormalization != PathNormalization.Normalize)
        {
            return refusal;
        }

        var normalized = RequestGuard.NormalizeSegments(path!);
        refusal = RequestGuard.CheckPath(normalized) ?? RequestGuard.CheckSegments(normalized);
        if (refusal is null)
        {
            request.Path = new PathString(normalized);
        }

        return refusal;
    }

    // Before routing: no route, no policy.
    private Task Refuse(HttpContext context, string rule) =>
        RefusalResponder.RespondAsync(context, RefusalTable.ForGuard(rule), "", "", _logger);
}
