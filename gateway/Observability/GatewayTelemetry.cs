using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Tokens;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// The gateway's activity source and its request-path instruments. Both cost nothing until a
/// listener (OpenTelemetry, dotnet-counters) subscribes: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and instruments without listeners skip their measurements.
/// </summary>
internal static class GatewayTelemetry
{
    public static readonly ActivitySource Source = new(ActivitySourceName, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString(3));

    public static readonly Meter Meter = new(MeterName, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString(3));

    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.Requests, "{request}", "Requests on proxied routes, by route, policy and decision.");

    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        GatewayDiagnostics.Metrics.RequestDuration, "s", "Time from the route match to the end of the response (enforcement plus the downstream), by route, policy and decision.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    public static readonly Counter<long> RequestsRefused = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.RequestsRefused, "{request}", "Requests refused before routing by the request guard (ambiguous path, host, method or framing), by reason.");

    public static readonly Counter<long> ValidationFailures = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.ValidationFailures, "{token}", "Requests refused before the policy step, by reason (missing, expired, bad_signature, ...) and issuer.");

    public static readonly Counter<long> KeyCacheLookups = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.KeyCacheLookups, "{lookup}", "Signing key lookups by cache level (memory, redis) and result (hit, miss).");

    public static readonly Counter<long> TokenCacheLookups = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.TokenCacheLookups, "{lookup}", "Validated-token cache lookups by result (hit, miss); hit / (hit + miss) is the hit ratio.");

    public static readonly Counter<long> IdpFetches = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.IdpFetches, "{fetch}", "Key fetches from the identity provider (discovery + JWKS), by issuer and outcome.");

    public static readonly Histogram<double> IdpFetchDuration = Meter.CreateHistogram(
        GatewayDiagnostics.Metrics.IdpFetchDuration, "s", "Duration of key fetches from the identity provider, by issuer and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    public static readonly Counter<long> LocalKeyReads = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.LocalKeyReads, "{read}", "Reads of a local JWKS file (at start and when it changed), by issuer and outcome (success, unreadable, invalid).");

    public static readonly Counter<long> ForwarderErrors = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.ForwarderErrors, "{request}", "Allowed requests YARP could not complete with the downstream, by route and YARP's ForwarderError.");

    public static readonly Counter<long> RateLimitDecisions = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.RateLimitDecisions, "{request}", "Rate-limit checks by policy, outcome (allowed, limited) and store (redis: fleet-wide, local: this replica alone).");

    public static readonly Counter<long> IntrospectionCalls = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.IntrospectionCalls, "{call}", "Calls to the introspection endpoint (RFC 7662), by issuer and outcome (active, inactive, client_refused, http_error, timeout, unreachable, malformed, no_endpoint).");

    public static readonly Histogram<double> IntrospectionDuration = Meter.CreateHistogram(
        GatewayDiagnostics.Metrics.IntrospectionDuration, "s", "Duration of calls to the introspection endpoint, by issuer and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    public static readonly Counter<long> IntrospectionCacheLookups = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.IntrospectionCacheLookups, "{lookup}", "Introspection cache lookups by level (memory, redis) and result (hit, miss, rejected: a Redis entry whose integrity check failed).");

    public static readonly Counter<long> ShadowDecisions = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.ShadowDecisions, "{request}", "Shadow (dry-run) policy verdicts on valid tokens, by route, shadow policy, its would-be decision (allow, deny) and the enforced one.");

    public static readonly Counter<long> BindingChecks = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.BindingChecks, "{request}", "Sender-constrained token checks (DPoP proofs, client certificates), by binding (dpop, mtls) and reason (none when accepted, else the failure: dpop_proof_replayed, certificate_mismatch, ...).");

    public static readonly Counter<long> DpopReplayFallbacks = Meter.CreateCounter<long>(
        GatewayDiagnostics.Metrics.DpopReplayFallbacks, "{proof}", "DPoP proofs whose replay check fell back to this replica's memory because Redis was unavailable.");

    private static readonly string[] StatusReasons = BuildStatusReasons();

    /// <summary>The <c>jwtgw.reason</c> value of a token status: snake_case, allocated once.</summary>
    public static string Reason(TokenStatus status) => (uint)status < (uint)StatusReasons.Length ? StatusReasons[(int)status] : "invalid";

    private static readonly string[] BindingReasons = Enum.GetValues<SenderConstraints.BindingStatus>().Select(v => SnakeCase(v.ToString())).ToArray();

    /// <summary>The <c>jwtgw.reason</c> value of a sender-constraint status (<c>dpop_proof_replayed</c>, <c>certificate_mismatch</c>...), allocated once.</summary>
    public static string Reason(SenderConstraints.BindingStatus status) => (uint)status < (uint)BindingReasons.Length ? BindingReasons[(int)status] : "binding_invalid";

    internal static class Reasons
    {
        public const string None = "none";
        public const string IssuerNotAccepted = "issuer_not_accepted";
        public const string PolicyNotSatisfied = "policy_not_satisfied";
        public const string RouteNotConfigured = "route_not_configured";
        public const string ConfigurationChanged = "configuration_changed";
        public const string RateLimited = "rate_limited";
    }

    public static string Decision(RequestDecision decision) => decision switch
    {
        RequestDecision.Allow => "allow",
        RequestDecision.Anonymous => "anonymous",
        RequestDecision.Unauthorized => "unauthorized",
        RequestDecision.Forbidden => "forbidden",
        RequestDecision.InvalidRequest => "invalid_request",
        RequestDecision.Unavailable => "unavailable",
        RequestDecision.RateLimited => "rate_limited",
        _ => "none",
    };

    private static string[] BuildStatusReasons()
    {
        var values = Enum.GetValues<TokenStatus>();
        var reasons = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values)
        {
            reasons[(int)value] = SnakeCase(value.ToString());
        }

        return reasons;
    }

    private static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
