using System.Diagnostics;
using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Enforcement;

/// <summary>
/// A route's shadow (dry-run) policy (<c>Metadata:ShadowPolicy</c>), judged on every valid token next to the enforced
/// policy: its would-be decision is counted (<c>jwtgw.shadow.decisions</c>) and, when it differs from the enforced one,
/// logged with the requirement that failed and the trace id. It never changes the answer: this method returns nothing.
/// An agreeing verdict costs one evaluation and one counter increment, no allocation.
/// </summary>
internal static partial class ShadowPolicyEvaluation
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static void Observe(HttpContext context, RoutePlan plan, CompiledPolicy shadow, PolicyDecision enforced, TokenClaims claims, TokenIssuer issuer, DecisionCounters counters, GatewayMetrics metrics, ILogger logger)
    {
        var shadowDecision = shadow.Evaluate(claims, issuer) == PolicyDecision.Allow ? Allow : Deny;
        var enforcedDecision = enforced == PolicyDecision.Allow ? Allow : Deny;
        var key = new ShadowKey(plan.RouteId, shadow.Name, shadowDecision, enforcedDecision);
        if (metrics.ShadowDecisions.Enabled)
        {
            metrics.ShadowDecisions.Add(1, new TagList
            {
                { Tags.Route, plan.RouteId },
                { Tags.Policy, shadow.Name },
                { Tags.ShadowDecision, shadowDecision },
                { Tags.EnforcedDecision, enforcedDecision },
            });
        }

        if (!key.Disagrees)
        {
            counters.Shadow(key, null);
            if (logger.IsEnabled(LogLevel.Debug)) // the trace id is text: only built when the line is written
            {
                Log.Agreed(logger, plan.RouteId, shadow.Name, shadowDecision, plan.Policy.Name, RefusalResponder.TraceId(context));
            }

            return;
        }

        // Only a disagreement pays for the trace: which requirement of the shadow policy would have refused.
        var failed = shadowDecision == Deny ? shadow.Explain(claims, issuer).Trace.FailedRequirement : null;
        var traceId = RefusalResponder.TraceId(context);
        counters.Shadow(key, new ShadowDisagreement(counters.Time.GetUtcNow(), plan.RouteId, shadow.Name, shadowDecision, enforcedDecision, failed?.Path, traceId));
        Log.Disagreed(logger, plan.RouteId, shadow.Name, shadowDecision, plan.Policy.Name, enforcedDecision, failed?.Path ?? "-", failed?.Description ?? "-", issuer.Name, traceId);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ShadowPolicyDisagreed, LogLevel.Information, "Route {RouteId}: shadow policy {ShadowPolicy} would {ShadowDecision} where policy {Policy} decided {EnforcedDecision} (not enforced); failed requirement {Requirement}: {RequirementDescription} (issuer {Issuer}) traceId={TraceId}")]
        public static partial void Disagreed(ILogger logger, string routeId, string shadowPolicy, string shadowDecision, string policy, string enforcedDecision, string requirement, string requirementDescription, string issuer, string traceId);

        [LoggerMessage(EventIds.ShadowPolicyAgreed, LogLevel.Debug, "Route {RouteId}: shadow policy {ShadowPolicy} would {ShadowDecision}, as policy {Policy} decided. traceId={TraceId}")]
        public static partial void Agreed(ILogger logger, string routeId, string shadowPolicy, string shadowDecision, string policy, string traceId);
    }
}
