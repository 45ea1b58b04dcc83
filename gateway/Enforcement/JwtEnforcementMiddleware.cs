using Gateway.Configuration;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.Revocation;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Model;

namespace Gateway.Enforcement;

/// <summary>
/// Runs inside YARP's proxy pipeline, after a route matched and before the request is forwarded:
/// strip client-sent identity headers → route's policy → token → validation → policy decision →
/// claim headers. A refused request is answered here and never reaches the downstream.
/// </summary>
internal sealed partial class JwtEnforcementMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly TokenValidator _validator;
    private readonly RevocationList _revocations;
    private readonly ILogger<JwtEnforcementMiddleware> _logger;

    public JwtEnforcementMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, TokenValidator validator, RevocationList revocations, ILogger<JwtEnforcementMiddleware> logger)
    {
        _next = next;
        _snapshots = snapshots;
        _validator = validator;
        _revocations = revocations;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.Request;

        // The plan compiled from exactly the route and cluster YARP matched (a reload may be half-way through
        // YARP): a request is judged and forwarded under one configuration, or not at all.
        var proxy = context.GetReverseProxyFeature();
        var plan = _snapshots.Bind(proxy.Route.Config, proxy.Cluster?.Config, out var snapshot);

        // 1. Always first, on every route: a client never supplies the gateway's identity headers (neither those of
        // the configuration judging the request nor, during a reload, those of the one replacing it), nor, unless
        // the route passes them, the routing headers downstreams trust.
        snapshot.Stripper.Strip(request.Headers, proxy.Route.Config.RouteId);
        var active = _snapshots.Current;
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
            return _next(context);
        }

        return EnforceAsync(context, snapshot, plan);
    }

    private Task RefuseUnboundRoute(HttpContext context, GatewaySnapshot snapshot, string routeId)
    {
        if (!snapshot.Routes.TryGetValue(routeId, out var current))
        {
            Log.RoutePlanMissing(_logger, routeId);
            EnforcementTelemetry.RouteNotConfigured(context);
            return ChallengeWriter.WriteMisconfiguredRouteAsync(context);
        }

        Log.ConfigurationMismatch(_logger, routeId);
        EnforcementTelemetry.ConfigurationChanged(context, current.Policy.Name);
        return ChallengeWriter.WriteConfigurationChangingAsync(context);
    }

    // The hot path stays synchronous up to the downstream call while validation completes synchronously
    // (a cached token): no async state machine is allocated for a request that is let through.
    private Task EnforceAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan)
    {
        var extracted = snapshot.Extractor.Extract(context.Request);
        if (extracted.Status != TokenStatus.Valid)
        {
            Log.TokenRejected(_logger, plan.RouteId, plan.Policy.Name, extracted.Status, null);
            EnforcementTelemetry.TokenRejected(context, plan, extracted.Status, null);
            return ChallengeWriter.WriteUnauthorizedAsync(context, extracted.Status);
        }

        var pending = _validator.ValidateAsync(extracted.Value, snapshot.Issuers, snapshot.Options.Limits.MaxTokenLength, snapshot.TokenCache, context.RequestAborted);
        return pending.IsCompletedSuccessfully
            ? AuthorizeAndForward(context, snapshot, plan, extracted, pending.Result)
            : AwaitValidationAsync(context, snapshot, plan, extracted, pending);
    }

    private async Task AwaitValidationAsync(HttpContext context, GatewaySnapshot snapshot, RoutePlan plan, ExtractedToken extracted, ValueTask<TokenValidationOutcome> pending)
    {
        var outcome = await pending.ConfigureAwait(false);
        await AuthorizeAndForward(context, snapshot, plan, extracted, outcome).ConfigureAwait(false);
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
            Log.TokenRejected(_logger, plan.RouteId, plan.Policy.Name, outcome.Status, outcome.IssuerName);
            EnforcementTelemetry.TokenRejected(context, plan, outcome.Status, outcome.IssuerName);
            return ChallengeWriter.WriteUnauthorizedAsync(context, outcome.Status);
        }

        var issuer = snapshot.Issuers.ByName[outcome.IssuerName!];
        var decision = EnforcementTelemetry.EvaluatePolicy(plan.Policy, outcome.Claims!, issuer);
        if (decision != PolicyDecision.Allow)
        {
            Log.PolicyDenied(_logger, plan.RouteId, plan.Policy.Name, decision, issuer.Name);
            EnforcementTelemetry.PolicyDenied(context, plan, decision, issuer.Name);
            return decision == PolicyDecision.IssuerNotAccepted
                ? ChallengeWriter.WriteIssuerNotAcceptedAsync(context)
                : ChallengeWriter.WriteForbiddenAsync(context, plan.Policy.ScopeHint);
        }

        EnforcementTelemetry.Allowed(context, plan, issuer.Name, outcome.Claims!);
        plan.ClaimHeaders.Apply(issuer, outcome.Claims!, context.Request.Headers);
        snapshot.Extractor.Scrubber.RemoveOtherCarriers(context.Request, extracted); // the downstream reads only the verified token
        RemoveTokenIfNotForwarded(context, snapshot, extracted);
        return _next(context);
    }

    // A header token (Authorization or a custom header) is forwarded unless ForwardAuthorizationHeader is false;
    // a query-string token never is (query strings end up in access logs).
    private static void RemoveTokenIfNotForwarded(HttpContext context, GatewaySnapshot snapshot, ExtractedToken extracted)
    {
        if (extracted.Source is TokenSourceKind.AuthorizationHeader or TokenSourceKind.Header && !snapshot.Options.ForwardAuthorizationHeader)
        {
            context.Request.Headers.Remove(extracted.SourceName!);
        }
        else if (extracted.Source == TokenSourceKind.QueryParameter)
        {
            var query = new QueryBuilder();
            foreach (var (key, values) in context.Request.Query)
            {
                // The query collection matched the name case-insensitively: remove it the same way.
                if (!string.Equals(key, extracted.SourceName, StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var value in values)
                    {
                        query.Add(key, value ?? "");
                    }
                }
            }

            context.Request.QueryString = query.ToQueryString();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.TokenRejected, LogLevel.Information, "Route {RouteId} (policy {Policy}): token rejected: {Status} (issuer {Issuer}).")]
        public static partial void TokenRejected(ILogger logger, string routeId, string policy, TokenStatus status, string? issuer);

        [LoggerMessage(Observability.EventIds.PolicyDenied, LogLevel.Information, "Route {RouteId} (policy {Policy}): denied: {Decision} (issuer {Issuer}).")]
        public static partial void PolicyDenied(ILogger logger, string routeId, string policy, PolicyDecision decision, string issuer);

        [LoggerMessage(Observability.EventIds.RoutePlanMissing, LogLevel.Error, "Route {RouteId} has no compiled policy in the active configuration; refusing the request.")]
        public static partial void RoutePlanMissing(ILogger logger, string routeId);

        [LoggerMessage(Observability.EventIds.ConfigurationMismatch, LogLevel.Warning, "Route {RouteId} was matched with a route or cluster configuration no active configuration compiled (a reload is in progress); refusing the request.")]
        public static partial void ConfigurationMismatch(ILogger logger, string routeId);
    }
}
