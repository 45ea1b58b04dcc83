using System.Diagnostics;
using Gateway.Tokens;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// The gateway's activity source and the vocabulary of its telemetry (decision and reason values). The source costs
/// nothing until a listener (OpenTelemetry) subscribes: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null. It stays process-wide (an activity source has no factory; spans are told apart by their trace); the
/// instruments are per host, in <see cref="GatewayMetrics"/>.
/// </summary>
internal static class GatewayTelemetry
{
    public static readonly ActivitySource Source = new(ActivitySourceName, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString(3));

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
