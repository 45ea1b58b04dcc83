using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Policies;

namespace Gateway.Diagnostics;

/// <summary>Renders a <see cref="DecisionTrace"/> for a terminal, or as JSON (<c>--json</c>, the dashboard).</summary>
internal static class DecisionTraceText
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string ToJson(DecisionTrace trace) => JsonSerializer.Serialize(trace, Json);

    public static string ToText(DecisionTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var text = new StringBuilder();
        void Line(string label, string? value) => text.Append(CultureInfo.InvariantCulture, $"{label,-20}{value}\n");

        Line("request", $"{trace.Method} {trace.Host}{trace.Path}  ({(trace.Input == "claims" ? "what-if on claims" : "token")})");
        Line("request guard", trace.GuardRefusal is null ? "pass" : $"REFUSED: {trace.GuardRefusal}");
        if (trace.GuardRefusal is null)
        {
            Line("route", trace.Route ?? $"none: {trace.NoRouteReason}");
        }

        if (trace.Policy is not null)
        {
            Line("policy", trace.Anonymous ? $"{trace.Policy} (anonymous)" : trace.Policy);
        }

        if (trace.TokenSource is not null)
        {
            Line("token from", trace.TokenSource);
        }

        if (trace.Issuer is not null)
        {
            Line("issuer", trace.Issuer);
        }

        if (trace.Input == "claims" && trace.Validation.Count > 0)
        {
            Line("validation", "skipped: claims given, not a token (no signature, lifetime, audience or revocation check)");
        }
        else if (trace.Validation.Count > 0)
        {
            text.Append("validation\n");
            foreach (var stage in trace.Validation)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {Mark(stage.Result),-6}{stage.Stage}{(stage.Detail is null ? "" : " — " + stage.Detail)}\n");
            }
        }

        if (trace.Requirements.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"requirements of policy {trace.Policy}\n");
            Requirements(text, trace.Requirements);
        }

        if (trace.FailedRequirement is { } failed)
        {
            Line("failed requirement", $"{failed.Path}: {failed.Description}");
        }

        if (trace.Shadow is { } shadow)
        {
            Line("shadow policy", $"{shadow.Policy}: would {shadow.Decision}{(shadow.FailedRequirement is { } f ? $" ({f.Path}: {f.Description})" : "")} — not enforced");
        }

        if (trace.ClaimHeaders.Count > 0)
        {
            text.Append("claim headers forwarded\n");
            foreach (var header in trace.ClaimHeaders)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {header.Name}: {header.Value}\n");
            }
        }

        var answer = trace.Answer;
        Line("answer", answer.Forwarded
            ? $"forwarded ({answer.Decision})"
            : answer.Status == 0 ? $"none: {answer.Detail}" : $"{answer.Status} {answer.Decision} ({answer.Reason})");
        if (answer.Challenge is not null)
        {
            Line("WWW-Authenticate", answer.Challenge);
        }

        if (!answer.Forwarded && answer.Status != 0)
        {
            Line("detail", answer.Detail);
        }

        foreach (var note in trace.Notes)
        {
            Line("note", note);
        }

        return text.ToString();
    }

    private static void Requirements(StringBuilder text, IReadOnlyList<RequirementResult> results)
    {
        foreach (var result in results)
        {
            var indent = new string(' ', 2 + (2 * result.Depth));
            var seen = result.Seen is null ? "" : $"  seen {result.Seen}";
            text.Append(CultureInfo.InvariantCulture, $"{indent}{Mark(result.Passed ? "pass" : "fail"),-6}{result.Description}{seen}  [{result.Path}]\n");
        }
    }

    private static string Mark(string result) => result switch
    {
        "pass" => "pass",
        "fail" => "FAIL",
        _ => "-",
    };
}
