using System.Collections.Frozen;
using Gateway.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Gateway.Cors;

/// <summary>Turns validated <c>Gateway:Cors</c> policies into ASP.NET Core <see cref="CorsPolicy"/> objects, once per configuration.</summary>
internal static class CorsPolicyCompiler
{
    /// <summary>Name of the policy a route's <c>"CorsPolicy": "Default"</c> uses (YARP reserves the name for "the default policy").</summary>
    public const string DefaultPolicyName = "Default";

    /// <summary>YARP's reserved route value that turns CORS off; not used by the gateway (a route without CorsPolicy has no CORS).</summary>
    public const string DisableValue = "Disable";

    public static FrozenDictionary<string, CorsPolicy> Compile(IReadOnlyDictionary<string, CorsPolicyOptions> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return policies.ToFrozenDictionary(p => p.Key, p => Compile(p.Value), StringComparer.OrdinalIgnoreCase);
    }

    public static CorsPolicy Compile(CorsPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policy = new CorsPolicy
        {
            SupportsCredentials = options.AllowCredentials,
            PreflightMaxAge = options.MaxAge,
        };

        if (options.AllowedOrigins.Contains(OriginPattern.AnyOrigin))
        {
            policy.Origins.Add(OriginPattern.AnyOrigin);
        }
        else
        {
            // ASP.NET Core echoes the request's Origin when this says yes (never "*"), and adds Vary: Origin.
            var matcher = new OriginMatcher(options.AllowedOrigins.Select(o => OriginPattern.TryParse(o, out _) ?? throw new ArgumentException($"invalid origin '{o}' (the configuration was not validated)", nameof(options))));
            policy.IsOriginAllowed = matcher.IsAllowed;
        }

        foreach (var method in options.AllowedMethods ?? CorsPolicyOptions.DefaultMethods)
        {
            policy.Methods.Add(method);
        }

        foreach (var header in options.AllowedHeaders ?? CorsPolicyOptions.DefaultHeaders)
        {
            policy.Headers.Add(header);
        }

        policy.ExposedHeaders.Add(CorsPolicyOptions.AlwaysExposed);
        foreach (var header in options.ExposedHeaders.Where(h => !string.Equals(h, CorsPolicyOptions.AlwaysExposed, StringComparison.OrdinalIgnoreCase)))
        {
            policy.ExposedHeaders.Add(header);
        }

        return policy;
    }
}
