using Gateway.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Gateway.Enforcement;

/// <summary>
/// First step of the proxy pipeline: refuses (400) a request the downstream could read differently from the
/// gateway, before any policy is chosen. See <see cref="RequestGuard"/> for the rules.
/// </summary>
internal sealed partial class RequestGuardMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<RequestGuardMiddleware> _logger;

    public RequestGuardMiddleware(RequestDelegate next, ILogger<RequestGuardMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.Request;
        var refusal = RequestGuard.CheckPath(request.Path.Value)
            ?? RequestGuard.CheckFraming(request.Headers[HeaderNames.ContentLength], request.Headers.TransferEncoding.Count > 0);
        if (refusal is null)
        {
            return _next(context);
        }

        Log.RequestRefused(_logger, refusal);
        return ChallengeWriter.WriteBadRequestAsync(context, refusal);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RequestRefused, LogLevel.Information, "Request refused before routing to a downstream: {Reason}.")]
        public static partial void RequestRefused(ILogger logger, string reason);
    }
}
