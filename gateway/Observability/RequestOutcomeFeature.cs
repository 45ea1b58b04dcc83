using Gateway.Tokens;

namespace Gateway.Observability;

/// <summary>
/// The enforcement decision for one request, set by the enforcement middleware and read, once the
/// response is complete, by <see cref="RequestTelemetryMiddleware"/> (metrics, span tags, access log).
/// </summary>
internal sealed class RequestOutcomeFeature
{
    public string Policy { get; set; } = "";

    public RequestDecision Decision { get; set; }

    public string Reason { get; set; } = GatewayTelemetry.Reasons.None;

    public string? Issuer { get; set; }

    /// <summary>The verified claims of an allowed request, read only for the subject when that is enabled.</summary>
    public TokenClaims? Claims { get; set; }
}
