using Gateway.Configuration;
using Gateway.Enforcement.Refusals;
using Gateway.RateLimiting;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Enforcement;

internal sealed partial class JwtEnforcementMiddleware
{
    // Rate limit: after authentication and authorization (the key is a verified claim; an anonymous route counts by
    // client address), before anything is forwarded. Synchronous unless Redis is asked.
    private Task LimitThenForward(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken? extracted, TokenIssuer? issuer, TokenClaims? claims)
    {
#pragma warning disable VSTHRD103 // the synchronous fast path: Result of a task that completed successfully does not block
        var pending = _rateLimits.AcquireAsync(plan.RateLimit!, context, issuer?.Name, claims);
        return pending.IsCompletedSuccessfully
            ? ForwardIfAllowed(context, snapshot, plan, extracted, issuer, claims, pending.Result)
            : AwaitRateLimitAsync(context, snapshot, plan, extracted, issuer, claims, pending);
#pragma warning restore VSTHRD103
    }

    private async Task AwaitRateLimitAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken? extracted, TokenIssuer? issuer, TokenClaims? claims, ValueTask<RateLimitDecision> pending)
    {
        var decision = await pending.ConfigureAwait(false);
        await ForwardIfAllowed(context, snapshot, plan, extracted, issuer, claims, decision).ConfigureAwait(false);
    }

    private Task ForwardIfAllowed(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken? extracted, TokenIssuer? issuer, TokenClaims? claims, RateLimitDecision decision)
    {
        if (!decision.Allowed)
        {
            return Refuse(context, plan, RefusalTable.RateLimited(plan.RateLimit!, decision, issuer?.Name));
        }

        RateLimitHeaders.Apply(context.Response.Headers, plan.RateLimit!, decision);
        return extracted is { } token ? Forward(context, snapshot, plan, token, issuer!, claims!) : ForwardAnonymous(context);
    }
}
