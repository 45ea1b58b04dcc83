using System.Diagnostics;
using Gateway.Enforcement;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// The enforcement middleware's hooks: each records the decision for <see cref="RequestTelemetryMiddleware"/>
/// and counts refusals. Never records the token or a claim value.
/// </summary>
internal static class EnforcementTelemetry
{
    public static void RouteNotConfigured(HttpContext context) =>
        Record(context, "", RequestDecision.Unavailable, GatewayTelemetry.Reasons.RouteNotConfigured, null, null);

    /// <summary>A 503: the route, cluster or destination YARP used for the request belongs to no active configuration (a reload in progress).</summary>
    public static void ConfigurationChanged(HttpContext context, string policy) =>
        Record(context, policy, RequestDecision.Unavailable, GatewayTelemetry.Reasons.ConfigurationChanged, null, null);

    public static void Anonymous(HttpContext context, RoutePlan plan) =>
        Record(context, plan.Policy.Name, RequestDecision.Anonymous, GatewayTelemetry.Reasons.None, null, null);

    public static void TokenRejected(HttpContext context, RoutePlan plan, TokenStatus status, string? issuer)
    {
        var reason = GatewayTelemetry.Reason(status);
        var decision = status switch
        {
            TokenStatus.Ambiguous => RequestDecision.InvalidRequest,
            TokenStatus.KeysUnavailable or TokenStatus.KeyRefreshFailed => RequestDecision.Unavailable,
            _ => RequestDecision.Unauthorized,
        };
        Record(context, plan.Policy.Name, decision, reason, issuer, null);
        if (GatewayTelemetry.ValidationFailures.Enabled)
        {
            var tags = new TagList
            {
                { Tags.Reason, reason },
                { Tags.Issuer, issuer ?? "unknown" },
                { Tags.Route, plan.RouteId },
            };
            GatewayTelemetry.ValidationFailures.Add(1, tags);
        }
    }

    /// <summary>Evaluates the policy inside a <c>jwtgw.policy.evaluate</c> span (when traced).</summary>
    public static PolicyDecision EvaluatePolicy(CompiledPolicy policy, TokenClaims claims, IssuerPolicy issuer)
    {
        using var activity = GatewayTelemetry.Source.StartActivity(Spans.PolicyDecision, ActivityKind.Internal);
        var decision = policy.Evaluate(claims, issuer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Policy, policy.Name);
            activity.SetTag(Tags.Issuer, issuer.Name);
            activity.SetTag(Tags.Outcome, decision switch
            {
                PolicyDecision.Allow => "allow",
                PolicyDecision.IssuerNotAccepted => GatewayTelemetry.Reasons.IssuerNotAccepted,
                _ => GatewayTelemetry.Reasons.PolicyNotSatisfied,
            });
        }

        return decision;
    }

    public static void PolicyDenied(HttpContext context, RoutePlan plan, PolicyDecision decision, string issuer) =>
        Record(
            context,
            plan.Policy.Name,
            decision == PolicyDecision.IssuerNotAccepted ? RequestDecision.Unauthorized : RequestDecision.Forbidden,
            decision == PolicyDecision.IssuerNotAccepted ? GatewayTelemetry.Reasons.IssuerNotAccepted : GatewayTelemetry.Reasons.PolicyNotSatisfied,
            issuer,
            null);

    public static void Allowed(HttpContext context, RoutePlan plan, string issuer, TokenClaims claims) =>
        Record(context, plan.Policy.Name, RequestDecision.Allow, GatewayTelemetry.Reasons.None, issuer, claims);

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
