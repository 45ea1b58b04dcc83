using System.Diagnostics;
using Gateway.Observability;
using Gateway.Tokens;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Policies;

/// <summary>The policy step of a request: evaluates a compiled policy inside a <c>jwtgw.policy.evaluate</c> span (when traced).</summary>
internal static class PolicyEvaluation
{
    public static PolicyDecision Evaluate(CompiledPolicy policy, TokenClaims claims, TokenIssuer issuer)
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
}
