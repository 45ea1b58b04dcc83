using System.Diagnostics;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Enforcement.Refusals;

/// <summary>
/// The one exit of a refused request (Envoy's <c>onComplete</c>): logs the <see cref="Refusal"/> (the event of its
/// cause, under the caller's logger category), counts it, records it for the request's telemetry, and answers it
/// through <see cref="ChallengeWriter"/>. Every refusal of the gateway goes through <see cref="RespondAsync"/>.
/// </summary>
internal static partial class RefusalResponder
{
    /// <summary>Logs, counts, records and answers <paramref name="refusal"/> for route <paramref name="routeId"/> under policy <paramref name="policy"/>.</summary>
    public static Task RespondAsync(HttpContext context, Refusal refusal, string routeId, string policy, GatewayMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        Write(logger, refusal, routeId, policy, TraceId(context));
        EnforcementTelemetry.Refused(metrics, context, refusal, routeId, policy);
        context.RequestServices?.GetService<DecisionCounters>()?.Refused(refusal.Decision, refusal.Reason);
        return ChallengeWriter.WriteAsync(context, refusal);
    }

    /// <summary>The id a refusal is logged and answered with (the problem JSON's <c>traceId</c>): the W3C trace id, else the connection's request id.</summary>
    public static string TraceId(HttpContext context) => Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;

    private static void Write(ILogger logger, Refusal refusal, string routeId, string policy, string traceId)
    {
        switch (refusal.Cause)
        {
            case RefusalCause.Token:
                Log.TokenRejected(logger, routeId, policy, refusal.TokenStatus, refusal.Issuer, traceId);
                break;
            case RefusalCause.SenderConstraint:
                Log.BindingRejected(logger, routeId, policy, refusal.BindingStatus, refusal.Binding, refusal.Issuer, traceId);
                break;
            case RefusalCause.Policy:
                Log.PolicyDenied(logger, routeId, policy, refusal.PolicyDecision, refusal.Issuer, refusal.FailedRequirement?.Path ?? "-", refusal.FailedRequirement?.Description ?? "-", traceId);
                break;
            case RefusalCause.RouteNotConfigured:
                Log.RoutePlanMissing(logger, routeId, traceId);
                break;
            case RefusalCause.ConfigurationChanged:
                Log.ConfigurationMismatch(logger, routeId, traceId);
                break;
            case RefusalCause.DestinationChanged:
                Log.DestinationMismatch(logger, routeId, traceId);
                break;
            case RefusalCause.RateLimit:
                Log.RateLimited(logger, routeId, policy, refusal.RateLimitPolicy ?? "", refusal.Issuer, traceId);
                break;
            case RefusalCause.RequestGuard:
                Log.RequestRefused(logger, refusal.GuardRule ?? refusal.Reason, traceId);
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.TokenRejected, LogLevel.Information, "Route {RouteId} (policy {Policy}): token rejected: {Status} (issuer {Issuer}) traceId={TraceId}")]
        public static partial void TokenRejected(ILogger logger, string routeId, string policy, TokenStatus status, string? issuer, string traceId);

        [LoggerMessage(EventIds.BindingRejected, LogLevel.Information, "Route {RouteId} (policy {Policy}): sender-constrained token rejected: {Status} (binding {Binding}, issuer {Issuer}) traceId={TraceId}")]
        public static partial void BindingRejected(ILogger logger, string routeId, string policy, SenderConstraints.BindingStatus status, string? binding, string? issuer, string traceId);

        [LoggerMessage(EventIds.PolicyDenied, LogLevel.Information, "Route {RouteId} (policy {Policy}): denied: {Decision} (issuer {Issuer}); failed requirement {Requirement}: {RequirementDescription} traceId={TraceId}")]
        public static partial void PolicyDenied(ILogger logger, string routeId, string policy, PolicyDecision decision, string? issuer, string requirement, string requirementDescription, string traceId);

        [LoggerMessage(EventIds.RoutePlanMissing, LogLevel.Error, "Route {RouteId} has no compiled policy in the active configuration; refusing the request. traceId={TraceId}")]
        public static partial void RoutePlanMissing(ILogger logger, string routeId, string traceId);

        [LoggerMessage(EventIds.ConfigurationMismatch, LogLevel.Warning, "Route {RouteId} was matched with a route or cluster configuration no active configuration compiled (a reload is in progress); refusing the request. traceId={TraceId}")]
        public static partial void ConfigurationMismatch(ILogger logger, string routeId, string traceId);

        [LoggerMessage(EventIds.ConfigurationMismatch, LogLevel.Warning, "Route {RouteId}: the destination address belongs to no configuration the request was judged under (a reload is in progress); the request was not forwarded. traceId={TraceId}")]
        public static partial void DestinationMismatch(ILogger logger, string routeId, string traceId);

        [LoggerMessage(EventIds.RateLimited, LogLevel.Information, "Route {RouteId} (policy {Policy}): rate limit {RateLimitPolicy} exceeded (issuer {Issuer}); answered 429. traceId={TraceId}")]
        public static partial void RateLimited(ILogger logger, string routeId, string policy, string rateLimitPolicy, string? issuer, string traceId);

        [LoggerMessage(EventIds.RequestRefused, LogLevel.Information, "Request refused before routing to a downstream: {Reason}. traceId={TraceId}")]
        public static partial void RequestRefused(ILogger logger, string reason, string traceId);
    }
}
