using Gateway.RateLimiting;
using Gateway.Tokens;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    // YARP gives these two RateLimiterPolicy values a meaning of its own (ASP.NET Core's default policy, no limiting).
    private static readonly string[] ReservedRateLimitNames = ["Default", "Disable"];

    private static void ValidateRateLimits(GatewayOptions gateway, List<ConfigError> errors)
    {
        foreach (var (name, policy) in gateway.RateLimits)
        {
            var path = $"Gateway:RateLimits:{name}";
            if (ReservedRateLimitNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new(path, $"'{name}' is reserved by YARP's RateLimiterPolicy route setting: choose another name"));
            }

            if (!Enum.IsDefined(policy.Algorithm))
            {
                errors.Add(new($"{path}:Algorithm", "must be FixedWindow or TokenBucket"));
            }

            RequireRange(policy.Limit, 1, 1_000_000, $"{path}:Limit", errors);
            if (policy.Window < TimeSpan.FromMilliseconds(1) || policy.Window > TimeSpan.FromDays(1) || policy.Window.Ticks % TimeSpan.TicksPerMillisecond != 0)
            {
                errors.Add(new($"{path}:Window", "must be whole milliseconds between 00:00:00.001 and 1.00:00:00 (e.g. \"00:00:01\")"));
            }

            if (policy.Burst is { } burst)
            {
                if (policy.Algorithm != RateLimitAlgorithm.TokenBucket)
                {
                    errors.Add(new($"{path}:Burst", "only a TokenBucket has a burst: set Algorithm to TokenBucket, or remove Burst"));
                }

                RequireRange(burst, 1, 1_000_000, $"{path}:Burst", errors);
            }

            RequireRange(policy.ExpectedReplicas, 1, 1000, $"{path}:ExpectedReplicas", errors);
            ValidateRateLimitKey(policy.Key, $"{path}:Key", errors);
        }

        foreach (var (name, policy) in gateway.Policies)
        {
            if (policy.RateLimit is { } rateLimit && !gateway.RateLimits.ContainsKey(rateLimit))
            {
                errors.Add(new($"Gateway:Policies:{name}:RateLimit", UnknownRateLimit(gateway, rateLimit)));
            }
        }

        for (var i = 0; i < gateway.TrustedProxies.Count; i++)
        {
            if (!TrustedProxies.TryParseEntry(gateway.TrustedProxies[i], out _))
            {
                errors.Add(new($"Gateway:TrustedProxies:{i}", $"'{gateway.TrustedProxies[i]}' is not an IP address (10.0.0.5) or a network with no host bits set (10.0.0.0/8)"));
            }
        }

        if (gateway.Redis.RateLimitTimeout < TimeSpan.FromMilliseconds(1) || gateway.Redis.RateLimitTimeout > TimeSpan.FromSeconds(1))
        {
            errors.Add(new("Gateway:Redis:RateLimitTimeout", "must be between 00:00:00.001 and 00:00:01"));
        }
    }

    private static void ValidateRateLimitKey(IReadOnlyList<string>? key, string path, List<ConfigError> errors)
    {
        if (key is null || key.Count == 0)
        {
            errors.Add(new(path, "list what is counted together, e.g. [\"$issuer\", \"sub\"], [\"client_id\"], [\"org.tenant\"] or [\"$client_ip\"]"));
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
                errors.Add(new($"{path}:{i}", $"'{part}' is not a key part: use {RateLimitPolicyOptions.IssuerKeyPart}, {RateLimitPolicyOptions.ClientIpKeyPart} or a claim path"));
                continue;
            }
            else if (!ClaimPath.IsValid(part))
            {
                errors.Add(new($"{path}:{i}", $"'{part}' is not a claim path (a claim name, or names joined by '.')"));
                continue;
            }

            if (!seen.Add(part!))
            {
                errors.Add(new($"{path}:{i}", $"'{part}' is listed twice"));
            }
        }
    }

    private static void ValidateRouteRateLimit(GatewayOptions gateway, RouteConfig route, string path, List<ConfigError> errors)
    {
        if (!string.IsNullOrEmpty(route.RateLimiterPolicy) && !gateway.RateLimits.ContainsKey(route.RateLimiterPolicy))
        {
            errors.Add(new($"{path}:RateLimiterPolicy", UnknownRateLimit(gateway, route.RateLimiterPolicy)));
        }
    }

    private static string UnknownRateLimit(GatewayOptions gateway, string name) => gateway.RateLimits.Count == 0
        ? $"unknown rate-limit policy '{name}': define it in Gateway:RateLimits (see docs/rate-limits.md)"
        : $"unknown rate-limit policy '{name}' (configured: {string.Join(", ", gateway.RateLimits.Keys)})";
}
