using Gateway.RateLimiting;
using Gateway.Tokens;

namespace Gateway.Configuration.Validation;

/// <summary>
/// <c>Gateway:RateLimits</c>, the policies' <c>RateLimit</c>, <c>Gateway:TrustedProxies</c> (who may name the client
/// address) and <c>Gateway:Redis:RateLimitTimeout</c>.
/// </summary>
internal sealed class RateLimitsRule : IConfigRule
{
    // YARP gives these two RateLimiterPolicy values a meaning of its own (ASP.NET Core's default policy, no limiting).
    private static readonly string[] ReservedNames = ["Default", "Disable"];

    public void Validate(ConfigValidationContext context)
    {
        var gateway = context.Gateway;
        foreach (var (name, policy) in gateway.RateLimits)
        {
            var path = $"Gateway:RateLimits:{name}";
            if (ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                context.Add(path, $"'{name}' is reserved by YARP's RateLimiterPolicy route setting: choose another name");
            }

            if (!Enum.IsDefined(policy.Algorithm))
            {
                context.Add($"{path}:Algorithm", "must be FixedWindow or TokenBucket");
            }

            ValueChecks.RequireRange(policy.Limit, 1, 1_000_000, $"{path}:Limit", context);
            if (policy.Window < TimeSpan.FromMilliseconds(1) || policy.Window > TimeSpan.FromDays(1) || policy.Window.Ticks % TimeSpan.TicksPerMillisecond != 0)
            {
                context.Add($"{path}:Window", "must be whole milliseconds between 00:00:00.001 and 1.00:00:00 (e.g. \"00:00:01\")");
            }

            if (policy.Burst is { } burst)
            {
                if (policy.Algorithm != RateLimitAlgorithm.TokenBucket)
                {
                    context.Add($"{path}:Burst", "only a TokenBucket has a burst: set Algorithm to TokenBucket, or remove Burst");
                }

                ValueChecks.RequireRange(burst, 1, 1_000_000, $"{path}:Burst", context);
            }

            ValueChecks.RequireRange(policy.ExpectedReplicas, 1, 1000, $"{path}:ExpectedReplicas", context);
            ValidateKey(policy.Key, $"{path}:Key", context);
        }

        foreach (var (name, policy) in gateway.Policies)
        {
            if (policy.RateLimit is { } rateLimit && !gateway.RateLimits.ContainsKey(rateLimit))
            {
                context.Add($"Gateway:Policies:{name}:RateLimit", UnknownPolicy(gateway, rateLimit));
            }
        }

        for (var i = 0; i < gateway.TrustedProxies.Count; i++)
        {
            if (!TrustedProxies.TryParseEntry(gateway.TrustedProxies[i], out _))
            {
                context.Add($"Gateway:TrustedProxies:{i}", $"'{gateway.TrustedProxies[i]}' is not an IP address (10.0.0.5) or a network with no host bits set (10.0.0.0/8)");
            }
        }

        if (gateway.Redis.RateLimitTimeout < TimeSpan.FromMilliseconds(1) || gateway.Redis.RateLimitTimeout > TimeSpan.FromSeconds(1))
        {
            context.Add("Gateway:Redis:RateLimitTimeout", "must be between 00:00:00.001 and 00:00:01");
        }
    }

    /// <summary>The message for a rate-limit policy name that <c>Gateway:RateLimits</c> does not define.</summary>
    public static string UnknownPolicy(GatewayOptions gateway, string name) => gateway.RateLimits.Count == 0
        ? $"unknown rate-limit policy '{name}': define it in Gateway:RateLimits (see docs/rate-limits.md)"
        : $"unknown rate-limit policy '{name}' (configured: {string.Join(", ", gateway.RateLimits.Keys)})";

    private static void ValidateKey(IReadOnlyList<string>? key, string path, ConfigValidationContext context)
    {
        if (key is null || key.Count == 0)
        {
            context.Add(path, "list what is counted together, e.g. [\"$issuer\", \"sub\"], [\"client_id\"], [\"org.tenant\"] or [\"$client_ip\"]");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < key.Count; i++)
        {
            var part = key[i];
            if (part is RateLimitPolicyOptions.IssuerKeyPart or RateLimitPolicyOptions.ClientIpKeyPart)
            {
                // A special part.
            }
            else if (part?.StartsWith('$') == true)
            {
                context.Add($"{path}:{i}", $"'{part}' is not a key part: use {RateLimitPolicyOptions.IssuerKeyPart}, {RateLimitPolicyOptions.ClientIpKeyPart} or a claim path");
                continue;
            }
            else if (!ClaimPath.IsValid(part))
            {
                context.Add($"{path}:{i}", $"'{part}' is not a claim path (a claim name, or names joined by '.')");
                continue;
            }

            if (!seen.Add(part!))
            {
                context.Add($"{path}:{i}", $"'{part}' is listed twice");
            }
        }
    }
}
