using System.Diagnostics.Metrics;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// The gateway's request-path instruments, on one meter per host created through <see cref="IMeterFactory"/>: two
/// gateways in one process (the tests run many) each count their own requests, and a host's OpenTelemetry provider
/// reads only its own (<see cref="Microsoft.AspNetCore.Builder.GatewayTelemetryExtensions"/> drops the instruments of
/// other factories). The meter's name, version, instruments, units and tags are those documented in
/// docs/observability.md. Instruments without listeners skip their measurements, so they cost nothing until a
/// provider exists. The parts take the host's instance when they are built, never per request.
/// </summary>
internal sealed class GatewayMetrics
{
    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string? Version = typeof(GatewayMetrics).Assembly.GetName().Version?.ToString(3);

    private static readonly Lazy<GatewayMetrics> LazyUnscoped = new(() => new GatewayMetrics(new Meter(MeterName, Version)));

    /// <summary>The host's instruments, on its meter factory's <c>JwtGateway</c> meter (disposed with the host's container).</summary>
    public GatewayMetrics(IMeterFactory meters)
        : this((meters ?? throw new ArgumentNullException(nameof(meters))).Create(new MeterOptions(MeterName) { Version = Version }))
    {
    }

    private GatewayMetrics(Meter meter)
    {
        Meter = meter;
        Requests = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.Requests, "{request}", "Requests on proxied routes, by route, policy and decision.");
        RequestDuration = Meter.CreateHistogram(
            GatewayDiagnostics.Metrics.RequestDuration, "s", "Time from the route match to the end of the response (enforcement plus the downstream), by route, policy and decision.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        RequestsRefused = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.RequestsRefused, "{request}", "Requests refused before routing by the request guard (ambiguous path, host, method or framing), by reason.");
        ValidationFailures = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.ValidationFailures, "{token}", "Requests refused before the policy step, by reason (missing, expired, bad_signature, ...) and issuer.");
        KeyCacheLookups = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.KeyCacheLookups, "{lookup}", "Signing key lookups by cache level (memory, redis) and result (hit, miss).");
        TokenCacheLookups = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.TokenCacheLookups, "{lookup}", "Validated-token cache lookups by result (hit, miss); hit / (hit + miss) is the hit ratio.");
        IdpFetches = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.IdpFetches, "{fetch}", "Key fetches from the identity provider (discovery + JWKS), by issuer and outcome.");
        IdpFetchDuration = Meter.CreateHistogram(
            GatewayDiagnostics.Metrics.IdpFetchDuration, "s", "Duration of key fetches from the identity provider, by issuer and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        LocalKeyReads = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.LocalKeyReads, "{read}", "Reads of a local JWKS file (at start and when it changed), by issuer and outcome (success, unreadable, invalid).");
        ForwarderErrors = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.ForwarderErrors, "{request}", "Allowed requests YARP could not complete with the downstream, by route and YARP's ForwarderError.");
        RateLimitDecisions = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.RateLimitDecisions, "{request}", "Rate-limit checks by policy, outcome (allowed, limited) and store (redis: fleet-wide, local: this replica alone).");
        IntrospectionCalls = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.IntrospectionCalls, "{call}", "Calls to the introspection endpoint (RFC 7662), by issuer and outcome (active, inactive, client_refused, http_error, timeout, unreachable, malformed, no_endpoint).");
        IntrospectionDuration = Meter.CreateHistogram(
            GatewayDiagnostics.Metrics.IntrospectionDuration, "s", "Duration of calls to the introspection endpoint, by issuer and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        IntrospectionCacheLookups = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.IntrospectionCacheLookups, "{lookup}", "Introspection cache lookups by level (memory, redis) and result (hit, miss, rejected: a Redis entry whose integrity check failed).");
        ShadowDecisions = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.ShadowDecisions, "{request}", "Shadow (dry-run) policy verdicts on valid tokens, by route, shadow policy, its would-be decision (allow, deny) and the enforced one.");
        BindingChecks = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.BindingChecks, "{request}", "Sender-constrained token checks (DPoP proofs, client certificates), by binding (dpop, mtls) and reason (none when accepted, else the failure: dpop_proof_replayed, certificate_mismatch, ...).");
        DpopReplayFallbacks = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.DpopReplayFallbacks, "{proof}", "DPoP proofs whose replay check fell back to this replica's memory because Redis was unavailable.");
        CorsPreflights = Meter.CreateCounter<long>(
            GatewayDiagnostics.Metrics.CorsPreflights, "{request}", "CORS preflights answered by the gateway (never forwarded), by route, CORS policy, decision (allowed, refused) and reason.");
    }

    /// <summary>
    /// Instruments on a process-wide meter that belongs to no host, for parts built outside one (benchmarks, tests that
    /// construct a validator or key manager directly). Every provider of the process reads it, as it read the static
    /// meter before meters were per host.
    /// </summary>
    public static GatewayMetrics Unscoped => LazyUnscoped.Value;

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter { get; }

    public Counter<long> Requests { get; }

    public Histogram<double> RequestDuration { get; }

    public Counter<long> RequestsRefused { get; }

    public Counter<long> ValidationFailures { get; }

    public Counter<long> KeyCacheLookups { get; }

    public Counter<long> TokenCacheLookups { get; }

    public Counter<long> IdpFetches { get; }

    public Histogram<double> IdpFetchDuration { get; }

    public Counter<long> LocalKeyReads { get; }

    public Counter<long> ForwarderErrors { get; }

    public Counter<long> RateLimitDecisions { get; }

    public Counter<long> IntrospectionCalls { get; }

    public Histogram<double> IntrospectionDuration { get; }

    public Counter<long> IntrospectionCacheLookups { get; }

    public Counter<long> ShadowDecisions { get; }

    public Counter<long> BindingChecks { get; }

    public Counter<long> DpopReplayFallbacks { get; }

    public Counter<long> CorsPreflights { get; }
}
