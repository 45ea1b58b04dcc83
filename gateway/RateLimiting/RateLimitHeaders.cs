using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.RateLimiting;

/// <summary>
/// The IETF rate-limit fields in the form of draft-ietf-httpapi-ratelimit-headers-10 (the named-policy form since -08):
/// <c>RateLimit-Policy: "name";q=100;w=1</c> (quota per window, seconds) and <c>RateLimit: "name";r=0;t=1</c>
/// (remaining, seconds until the quota resets). Sent on every answer of a limited route, the 429 included.
/// </summary>
internal static class RateLimitHeaders
{
    public const string RateLimit = "RateLimit";
    public const string RateLimitPolicy = "RateLimit-Policy";

    public static void Apply(IHeaderDictionary headers, RateLimitPolicy policy, RateLimitDecision decision)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(policy);
        headers[RateLimitPolicy] = policy.PolicyHeader;
        headers[RateLimit] = Current(policy, decision);
    }

    /// <summary>The <c>RateLimit</c> value of <paramref name="decision"/>.</summary>
    public static string Current(RateLimitPolicy policy, RateLimitDecision decision) =>
        string.Create(CultureInfo.InvariantCulture, $"{Quote(policy.Name)};r={decision.Remaining};t={Seconds(decision.Reset)}");

    /// <summary>Whole seconds, rounded up (a client waiting that long never retries too early), at least 1 for a positive span.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);

    /// <summary>A structured-field String (RFC 8941 §3.3.3): printable ASCII, <c>"</c> and <c>\</c> escaped, anything else as <c>?</c>.</summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new System.Text.StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name)
        {
            if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else
            {
                text.Append(c is >= ' ' and <= '~' ? c : '?');
            }
        }

        return text.Append('"').ToString();
    }
}
