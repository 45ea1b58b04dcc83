using System.Diagnostics;
using Gateway.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>Hooks of <see cref="TokenValidator"/>: the <c>jwtgw.token.validate</c> span. Header values (kid, alg) only, made safe; never the token.</summary>
internal static class TokenTelemetry
{
    public static Activity? StartValidation() => GatewayTelemetry.Source.StartActivity(Spans.TokenValidation, ActivityKind.Internal);

    public static void Header(Activity? activity, JsonWebToken jwt)
    {
        if (activity is { IsAllDataRequested: true })
        {
            try
            {
                activity.SetTag(Tags.Algorithm, LogValue.Safe(jwt.Alg));
                activity.SetTag(Tags.Kid, LogValue.Safe(jwt.Kid));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
            {
                // A hostile header (alg or kid not a string) is refused by the validator; tracing just skips it.
            }
        }
    }

    public static void Issuer(Activity? activity, string issuerName) => activity?.SetTag(Tags.Issuer, issuerName);

    public static void Finished(Activity activity, TokenValidationOutcome outcome)
    {
        activity.SetTag(Tags.Outcome, outcome.IsValid ? "valid" : "invalid");
        activity.SetTag(Tags.Reason, outcome.IsValid ? GatewayTelemetry.Reasons.None : GatewayTelemetry.Reason(outcome.Status));
        if (outcome.IssuerName is not null)
        {
            activity.SetTag(Tags.Issuer, outcome.IssuerName);
        }
    }
}
