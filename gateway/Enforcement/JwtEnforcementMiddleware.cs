using Gateway.Configuration;
using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.RateLimiting;
using Gateway.Revocation;
using Gateway.SenderConstraints;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Model;

namespace Gateway.Enforcement;

/// <summary>
/// Runs inside YARP's proxy pipeline, after a route matched and before the request is forwarded:
/// strip client-sent identity headers → route's policy → token → validation → policy decision → rate limit →
/// claim headers. A refused request is answered here and never reaches the downstream.
/// </summary>
internal sealed partial class JwtEnforcementMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly RevocationList _revocations;
    private readonly RateLimitGate _rateLimits;
    private readonly DecisionCounters _counters;
    private readonly IDpopReplayCache _replay;
    private readonly ILogger<JwtEnforcementMiddleware> _logger;
    private readonly GatewayMetrics _metrics;

    public JwtEnforcementMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, RevocationList revocations, RateLimitGate rateLimits, DecisionCounters counters, IDpopReplayCache replay, ILogger<JwtEnforcementMiddleware> logger, GatewayMetrics metrics)
    {
        _metrics = metrics;
        _next = next;
        _snapshots = snapshots;
        _revocations = revocations;
        _rateLimits = rateLimits;
        _counters = counters;
        _replay = replay;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.Request;

        // The plan compiled from exactly the route and cluster YARP matched (a reload may be half-way through
        // YARP): a request is judged and forwarded under one configuration, or not at all.
        var proxy = context.GetReverseProxyFeature();
        var plan = _snapshots.Bind(proxy.Route.Config, proxy.Cluster?.Config, out var snapshot);

        // 1. Always first, on every route. A client certificate forwarded by a trusted proxy is taken off the request
        // (kept for this request's check) before the strip list below, which holds the common certificate headers.
        var active = _snapshots.Current;
        snapshot.SenderConstraints.Certificates.Capture(context);
        if (!ReferenceEquals(active, snapshot))
        {
            active.SenderConstraints.Certificates.Strip(request.Headers);
        }

        // A client never supplies the gateway's identity headers (neither those of the configuration judging the
        // request nor, during a reload, those of the one replacing it), nor, unless the route passes them, the routing
        // headers downstreams trust.
        snapshot.Stripper.Strip(request.Headers, proxy.Route.Config.RouteId);
        if (!ReferenceEquals(active, snapshot))
        {
            active.Stripper.Strip(request.Headers, proxy.Route.Config.RouteId);
        }

        // 2. The route's compiled plan; a route without one is never forwarded.
        if (plan is null)
        {
            return RefuseUnboundRoute(context, snapshot, proxy.Route.Config.RouteId);
        }

        context.Features.Set(plan); // for DestinationFence, which checks the address YARP finally sends to

        if (plan.Policy.IsAnonymous)
        {
            EnforcementTelemetry.Anonymous(context, plan);
            return plan.RateLimit is null ? ForwardAnonymous(context) : LimitThenForward(context, snapshot, plan, null, null, null);
        }

        return EnforceAsync(context, snapshot, plan);
    }

    private Task RefuseUnboundRoute(HttpContext context, GatewaySnapshot snapshot, string routeId) =>
        snapshot.Routes.TryGetValue(routeId, out var current)
            ? RefusalResponder.RespondAsync(context, RefusalTable.ConfigurationChanged, routeId, current.Policy.Name, _metrics, _logger)
            : RefusalResponder.RespondAsync(context, RefusalTable.RouteNotConfigured, routeId, "", _metrics, _logger);

    private Task Refuse(HttpContext context, RoutePlan plan, Refusal refusal) =>
        RefusalResponder.RespondAsync(context, refusal, plan.RouteId, plan.Policy.Name, _metrics, _logger);

    // The hot path stays synchronous up to the downstream call while validation completes synchronously
    // (a cached token): no async state machine is allocated for a request that is let through.
    private Task EnforceAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan)
    {
        var extracted = snapshot.Extractor.Extract(context.Request);
        if (extracted.Status != TokenStatus.Valid)
        {
            var refusal = RefusalTable.For(extracted.Status);
            return Refuse(context, plan, plan.RequiresDpop ? RefusalTable.WithDpopChallenge(refusal, dpopRequired: true, snapshot.SenderConstraints.Verifier.Algs) : refusal);
        }

        var pending = snapshot.Validator.ValidateAsync(extracted.Value, context.RequestAborted);
#pragma warning disable VSTHRD103 // the synchronous fast path: Result of a task that completed successfully does not block
        return pending.IsCompletedSuccessfully
            ? AuthorizeAndForward(context, snapshot, plan, extracted, pending.Result)
            : AwaitValidationAsync(context, snapshot, plan, extracted, pending);
#pragma warning restore VSTHRD103
    }

    private async Task AwaitValidationAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, ValueTask<TokenValidationOutcome> pending)
    {
        var outcome = await pending.ConfigureAwait(false);
        await AuthorizeAndForward(context, snapshot, plan, extracted, outcome).ConfigureAwait(false);
    }

    // A refusal is explained by the same evaluation, traced: the failed requirement goes to the log line (and, with
    // Gateway:Diagnostics:ExplainDenials in Development, to the answer). Only refused requests pay for the trace.
    private Task RefuseByPolicy(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, PolicyDecision decision, TokenClaims claims, TokenIssuer issuer)
    {
        var failed = plan.Policy.Explain(claims, issuer).Trace.FailedRequirement;
        var refusal = RefusalTable.For(decision, issuer.Name, plan.Policy.ScopeHint) with
        {
            FailedRequirement = failed,
            ExplainInAnswer = snapshot.Options.Diagnostics.ExplainDenials,
        };
        return Refuse(context, plan, refusal);
    }

    // Validation outcome → policy decision → claim headers → forward.
    private Task AuthorizeAndForward(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, TokenValidationOutcome outcome)
    {
        // Revocation: after validation, on every request, cached tokens included (a lock-free in-memory lookup).
        if (outcome.IsValid && _revocations.IsRevoked(outcome.IssuerName!, outcome.Claims!))
        {
            outcome = TokenValidationOutcome.Failure(TokenStatus.Revoked, outcome.IssuerName);
        }

        if (!outcome.IsValid)
        {
            var refusal = RefusalTable.For(outcome.Status, outcome.IssuerName);
            return Refuse(context, plan, plan.RequiresDpop ? RefusalTable.WithDpopChallenge(refusal, dpopRequired: true, snapshot.SenderConstraints.Verifier.Algs) : refusal);
        }

        // The sender constraint (DPoP proof, client certificate): on every request, the cached token's included.
        var binding = snapshot.SenderConstraints.CheckAsync(context, extracted, outcome, plan.Policy.Dpop, plan.Policy.RequireCertificateBoundToken, _replay);
#pragma warning disable VSTHRD103 // the synchronous fast path: Result of a task that completed successfully does not block
        return binding.IsCompletedSuccessfully
            ? AuthorizeBoundAndForward(context, snapshot, plan, extracted, outcome, binding.Result)
            : AwaitBindingAsync(context, snapshot, plan, extracted, outcome, binding);
#pragma warning restore VSTHRD103
    }

    private async Task AwaitBindingAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, TokenValidationOutcome outcome, ValueTask<BindingResult> pending)
    {
        var binding = await pending.ConfigureAwait(false);
        await AuthorizeBoundAndForward(context, snapshot, plan, extracted, outcome, binding).ConfigureAwait(false);
    }

    private Task AuthorizeBoundAndForward(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, TokenValidationOutcome outcome, BindingResult binding)
    {
        if (!binding.IsValid)
        {
            return Refuse(context, plan, RefusalTable.For(binding.Status, outcome.IssuerName, binding.Binding, snapshot.SenderConstraints.Verifier.Algs, binding.FreshNonce));
        }

        if (binding.Binding is not null)
        {
            EnforcementTelemetry.Binding(_metrics, context, binding.Binding, GatewayTelemetry.Reasons.None, outcome.IssuerName, plan.RouteId);
        }

        if (binding.FreshNonce is { } nonce)
        {
            // After YARP copied the downstream's headers: the client's next proof carries this nonce (RFC 9449 §8.2).
            context.Response.OnStarting(static state =>
            {
                var (response, value) = ((HttpResponse, string))state;
                response.Headers[SenderConstraintEnforcer.NonceHeader] = value;
                return Task.CompletedTask;
            }, (context.Response, nonce));
        }

        var issuer = outcome.Issuer!;
        var decision = PolicyEvaluation.Evaluate(plan.Policy, outcome.Claims!, issuer);
        if (plan.ShadowPolicy is { } shadow)
        {
            ShadowPolicyEvaluation.Observe(context, plan, shadow, decision, outcome.Claims!, issuer, _counters, _metrics, _logger);
        }

        if (decision != PolicyDecision.Allow)
        {
            return RefuseByPolicy(context, snapshot, plan, decision, outcome.Claims!, issuer);
        }

        EnforcementTelemetry.Allowed(context, plan, issuer.Name, outcome.Claims!);
        return plan.RateLimit is null
            ? Forward(context, snapshot, plan, extracted, issuer, outcome.Claims!)
            : LimitThenForward(context, snapshot, plan, extracted, issuer, outcome.Claims);
    }

    // The two ways out to the downstream; each counts the request once, for the dashboard.
    private Task ForwardAnonymous(HttpContext context)
    {
        _counters.Anonymous();
        return _next(context);
    }

    private Task Forward(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, TokenIssuer issuer, TokenClaims claims)
    {
        _counters.Allowed();
        plan.ClaimHeaders.Apply(issuer, claims, context.Request.Headers);
        snapshot.TokenForwarding.Apply(context.Request, extracted); // the downstream reads only the verified token
        return _next(context);
    }
}
