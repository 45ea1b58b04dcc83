using System.Text.Json;
using Gateway.Configuration;
using Gateway.Enforcement;
using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.Revocation;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Diagnostics;

/// <summary>
/// Explains a request's decision with the request path's own parts, in its order: the request guard's rules
/// (<see cref="RequestGuardMiddleware.CheckTarget"/>), endpoint routing over YARP's routes (<see cref="ExplainRouteMatcher"/>),
/// the route's compiled plan, the snapshot's token extractor and validator (its key managers, its cache), the revocation
/// list when there is one, the compiled policy evaluated with a trace, the refusal table and the claim header plan.
/// Nothing here re-implements a rule.
/// </summary>
internal sealed class DecisionExplainer
{
    private readonly ExplainRouteMatcher _routes;
    private readonly RevocationList? _revocations;

    /// <param name="routes">The route matcher over the gateway's endpoints.</param>
    /// <param name="revocations">The running gateway's revocations; null offline (<c>explain</c> on the command line).</param>
    public DecisionExplainer(ExplainRouteMatcher routes, RevocationList? revocations)
    {
        _routes = routes;
        _revocations = revocations;
    }

    public async Task<DecisionTrace> ExplainAsync(GatewaySnapshot snapshot, ExplainRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(input);
        var (scheme, host, path, query) = SplitUrl(input.Url, input.Host);
        var method = input.Method.ToUpperInvariant();
        var trace = new DecisionTrace
        {
            Method = method,
            Host = host,
            Path = path,
            Input = input.Claims is null ? "token" : "claims",
            Answer = null!,
        };

        // 1. The request guard, before routing.
        var guard = RequestGuardMiddleware.CheckTarget(method, false, host, path, snapshot.Options.Limits.PathNormalization, out var canonicalHost, out var normalizedPath);
        if (guard is not null)
        {
            return trace with { GuardRefusal = guard, Answer = Answer(RefusalTable.ForGuard(guard)) };
        }

        host = canonicalHost ?? host;
        path = normalizedPath ?? path;
        trace = trace with { Host = host, Path = path };

        // 2. The route, by endpoint routing over YARP's routes; then its compiled plan.
        var match = await _routes.MatchAsync(method, scheme, host, path, query, input.Headers).ConfigureAwait(false);
        if (match.Route is null)
        {
            return trace with { NoRouteReason = match.NoMatchReason, Answer = new DecisionAnswer(false, match.NoMatchReason!.Contains("405", StringComparison.Ordinal) ? 405 : 404, "none", "no_route", null, match.NoMatchReason) };
        }

        if (!snapshot.Routes.TryGetValue(match.Route.RouteId, out var plan))
        {
            return trace with { Route = match.Route.RouteId, Answer = Answer(RefusalTable.RouteNotConfigured) };
        }

        trace = trace with { Route = plan.RouteId, Policy = plan.Policy.Name, Anonymous = plan.Policy.IsAnonymous };
        if (plan.Policy.IsAnonymous)
        {
            return trace with { Answer = new DecisionAnswer(true, 200, GatewayTelemetry.Decision(RequestDecision.Anonymous), GatewayTelemetry.Reasons.None, null, "anonymous policy: forwarded without a token (client-sent identity headers removed)") };
        }

        // 3. The token, validated (or, for a what-if, the claims as given).
        var notes = new List<string>();
        TokenClaims claims;
        TokenIssuer issuer;
        var dpopScheme = false;
        if (input.Claims is not null)
        {
            var (whatIf, error) = ReadClaims(snapshot, input);
            if (whatIf is null)
            {
                return trace with { Answer = new DecisionAnswer(false, 0, "none", "invalid_input", null, error!) };
            }

            (claims, issuer) = whatIf.Value;
            trace = trace with { Issuer = issuer.Name, Validation = ValidationStages.NotValidated() };
            notes.Add("what-if on claims: the signature, lifetime, audience and revocation were not checked");
        }
        else
        {
            var request = new DefaultHttpContext().Request;
            request.Method = method;
            request.Host = new HostString(host);
            request.Path = new PathString(path);
            request.QueryString = new QueryString(query);
            foreach (var (name, value) in input.Headers)
            {
                request.Headers.Append(name, value);
            }

            if (input.Token is not null)
            {
                request.Headers.Append("Authorization", "Bearer " + input.Token);
            }

            var extracted = snapshot.Extractor.Extract(request);
            trace = trace with { TokenSource = extracted.SourceName ?? extracted.Source.ToString() };
            if (extracted.Status != TokenStatus.Valid)
            {
                return trace with { Validation = ValidationStages.For(extracted.Status, _revocations is not null), Answer = Answer(RefusalTable.For(extracted.Status)) };
            }

            var outcome = await snapshot.Validator.ValidateAsync(extracted.Value, cancellationToken).ConfigureAwait(false);
            if (outcome.IsValid && _revocations is not null && _revocations.IsRevoked(outcome.IssuerName!, outcome.Claims!))
            {
                outcome = TokenValidationOutcome.Failure(TokenStatus.Revoked, outcome.IssuerName);
            }

            trace = trace with { Issuer = outcome.IssuerName, Validation = ValidationStages.For(outcome.Status, _revocations is not null) };
            if (!outcome.IsValid)
            {
                return trace with { Answer = Answer(RefusalTable.For(outcome.Status, outcome.IssuerName)) };
            }

            (claims, issuer) = (outcome.Claims!, outcome.Issuer!);
            dpopScheme = extracted.IsDpop;
        }

        // 4. The policy, traced; the shadow policy beside it.
        var (decision, policyTrace) = plan.Policy.Explain(claims, issuer);
        if (plan.ShadowPolicy is { } shadow)
        {
            var (shadowDecision, shadowTrace) = shadow.Explain(claims, issuer);
            trace = trace with
            {
                Shadow = new ShadowVerdict(shadow.Name, shadowDecision == PolicyDecision.Allow ? ShadowPolicyEvaluation.Allow : ShadowPolicyEvaluation.Deny, shadowTrace.FailedRequirement, shadowTrace.Results),
            };
        }

        trace = trace with { Requirements = policyTrace.Results, FailedRequirement = policyTrace.FailedRequirement, Notes = notes };

        // The sender constraint comes before the policy at the gateway: an explained request has no proof, no certificate.
        if (BindingExplanation.RefusalWithoutProof(claims, issuer, plan.Policy, dpopScheme) is { } binding)
        {
            notes.Add("sender constraint: the explained request carries no DPoP proof and no client certificate; the gateway refuses it at this step, before the policy");
            return trace with { Answer = Answer(RefusalTable.For(binding, issuer.Name, BindingExplanation.Label(claims.Confirmation, dpopScheme), snapshot.SenderConstraints.Verifier.Algs)) };
        }

        if (decision != PolicyDecision.Allow)
        {
            return trace with { Answer = Answer(RefusalTable.For(decision, issuer.Name, plan.Policy.ScopeHint)) };
        }

        // 5. Forwarded, with the claim headers of the route's plan.
        var headers = new HeaderDictionary();
        plan.ClaimHeaders.Apply(issuer, claims, headers);
        return trace with
        {
            ClaimHeaders = headers.Select(h => new ForwardedHeader(h.Key, h.Value.ToString())).ToList(),
            Answer = new DecisionAnswer(true, 200, GatewayTelemetry.Decision(RequestDecision.Allow), GatewayTelemetry.Reasons.None, null, "forwarded to the route's cluster"),
        };
    }

    private static DecisionAnswer Answer(Refusal refusal) =>
        new(false, refusal.StatusCode, GatewayTelemetry.Decision(refusal.Decision), refusal.Reason, refusal.Challenge, refusal.Detail);

    private static (string Scheme, string Host, string Path, string Query) SplitUrl(string url, string? host)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            // The path as sent (escapes kept): the request guard judges what a client could send.
            return (uri.Scheme, uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}", uri.AbsolutePath, uri.Query);
        }

        var queryAt = url.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? url : url[..queryAt];
        return ("http", host ?? "localhost", path.StartsWith('/') ? path : "/" + path, queryAt < 0 ? "" : url[queryAt..]);
    }

    private static ((TokenClaims, TokenIssuer)? Claims, string? Error) ReadClaims(GatewaySnapshot snapshot, ExplainRequest input)
    {
        JsonElement payload;
        try
        {
            using var document = JsonDocument.Parse(input.Claims!);
            payload = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (null, $"the claims are not JSON: {ex.Message}");
        }

        if (payload.ValueKind != JsonValueKind.Object)
        {
            return (null, "the claims must be a JSON object, e.g. {\"sub\":\"alice\",\"roles\":[\"admin\"]}");
        }

        IssuerProvider? issuer;
        if (input.Issuer is not null)
        {
            issuer = snapshot.Issuers.ByName.GetValueOrDefault(input.Issuer);
            if (issuer is null)
            {
                return (null, $"unknown issuer '{input.Issuer}' (configured: {string.Join(", ", snapshot.Issuers.ByName.Keys)})");
            }
        }
        else
        {
            var iss = payload.TryGetProperty("iss", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            issuer = snapshot.Issuers.FindByIssuerClaim(iss) ?? (snapshot.Issuers.All.Count == 1 ? snapshot.Issuers.All[0] : null);
            if (issuer is null)
            {
                return (null, $"name the issuer the claims come from (--issuer; configured: {string.Join(", ", snapshot.Issuers.ByName.Keys)}), or give an iss claim one of them accepts");
            }
        }

        return ((new TokenClaims(payload), issuer.Identity), null);
    }
}
