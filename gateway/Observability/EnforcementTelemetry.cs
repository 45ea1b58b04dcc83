using System.Diagnostics;
using Gateway.Enforcement;
using Gateway.Enforcement.Refusals;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// Records each request's decision for <see cref="RequestTelemetryMiddleware"/> and counts refusals by cause.
/// Never records the token or a claim value.
/// </summary>
internal static class EnforcementTelemetry
{
    public static void Anonymous(HttpContext context, RoutePlan plan) =>
        Record(context, plan.Policy.Name, RequestDecision.Anonymous, GatewayTelemetry.Reasons.None, null, null);

    public static void Allowed(HttpContext context, RoutePlan plan, string issuer, TokenClaims claims) =>
        Record(context, plan.Policy.Name, RequestDecision.Allow, GatewayTelemetry.Reasons.None, issuer, claims);

    /// <summary>
    /// Records <paramref name="refusal"/> as the request's decision and counts it: token refusals in
    /// <c>jwtgw.validation.failures</c>, request-guard refusals in <c>jwtgw.requests.refused</c>.
    /// </summary>
    public static void Refused(GatewayMetrics metrics, HttpContext context, Refusal refusal, string routeId, string policy)
    {
        Record(context, policy, refusal.Decision, refusal.Reason, refusal.Issuer, null);
        switch (refusal.Cause)
        {
            case RefusalCause.Token when metrics.ValidationFailures.Enabled:
                metrics.ValidationFailures.Add(1, new TagList
                {
                    { Tags.Reason, refusal.Reason },
                    { Tags.Issuer, refusal.Issuer ?? "unknown" },
                    { Tags.Route, routeId },
                });
                break;
            case RefusalCause.SenderConstraint:
                Binding(metrics, context, refusal.Binding ?? "none", refusal.Reason, refusal.Issuer, routeId);
                break;
            case RefusalCause.RequestGuard when metrics.RequestsRefused.Enabled:
                metrics.RequestsRefused.Add(1, new TagList { { Tags.Reason, refusal.Reason } });
                break;
        }
    }

    /// <summary>Counts a sender-constraint check in <c>jwtgw.binding.checks</c> and tags the request's span with the binding.</summary>
    public static void Binding(GatewayMetrics metrics, HttpContext context, string binding, string reason, string? issuer, string routeId)
    {
        (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity ?? Activity.Current)?.SetTag(Tags.Binding, binding);
        if (metrics.BindingChecks.Enabled)
        {
            metrics.BindingChecks.Add(1, new TagList
            {
                { Tags.Binding, binding },
                { Tags.Reason, reason },
                { Tags.Issuer, issuer ?? "unknown" },
                { Tags.Route, routeId },
            });
        }
    }

    private static void Record(HttpContext context, string policy, RequestDecision decision, string reason, string? issuer, TokenClaims? claims)
    {
        if (context.Features.Get<RequestOutcomeFeature>() is { } outcome)
        {
            outcome.Policy = policy;
            outcome.Decision = decision;
            outcome.Reason = reason;
            outcome.Issuer = issuer;
            outcome.Claims = claims;
        }
    }
}
