using Gateway.Cors;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    // The methods the request guard lets through (RequestGuard.AllowedMethods): a policy allowing another could never be used.
    private static readonly string[] CorsMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private static void ValidateCors(GatewayOptions gateway, List<ConfigError> errors)
    {
        foreach (var (name, policy) in gateway.Cors)
        {
            var path = $"Gateway:Cors:{name}";
            if (string.Equals(name, CorsPolicyCompiler.DisableValue, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(path, "'Disable' is reserved by YARP's CorsPolicy route setting: choose another name"));
            }

            ValidateOrigins(policy, path, errors);
            if (policy.AllowedMethods is { Count: 0 })
            {
                errors.Add(new($"{path}:AllowedMethods", "list at least one method, or leave AllowedMethods out (default GET, HEAD, POST)"));
            }

            if (policy.AllowedMethods is { } methods)
            {
                ValidateCorsList(methods, $"{path}:AllowedMethods", "method", errors, (method, itemPath) =>
                {
                    if (!CorsMethods.Contains(method, StringComparer.Ordinal))
                    {
                        var upper = method.ToUpperInvariant();
                        errors.Add(new(itemPath, CorsMethods.Contains(upper, StringComparer.Ordinal)
                            ? $"'{method}': methods are case-sensitive, write '{upper}'"
                            : $"'{method}' is not a method the gateway forwards ({string.Join(", ", CorsMethods)}) or '*'"));
                    }
                });
            }

            if (policy.AllowedHeaders is { } headers)
            {
                ValidateCorsList(headers, $"{path}:AllowedHeaders", "header", errors, (header, itemPath) => ValidateCorsHeader(header, itemPath, errors));
            }

            for (var i = 0; i < policy.ExposedHeaders.Count; i++)
            {
                if (policy.ExposedHeaders[i] == "*")
                {
                    errors.Add(new($"{path}:ExposedHeaders:{i}", "list the header names: '*' exposes nothing to a page that sends credentials"));
                }
                else
                {
                    ValidateCorsHeader(policy.ExposedHeaders[i], $"{path}:ExposedHeaders:{i}", errors);
                }
            }

            if (policy.MaxAge is { } maxAge && (maxAge < TimeSpan.Zero || maxAge > TimeSpan.FromDays(1)))
            {
                errors.Add(new($"{path}:MaxAge", "must be between 00:00:00 and 1.00:00:00 (browsers cap it: Chromium at 2 hours)"));
            }
        }
    }

    private static void ValidateOrigins(CorsPolicyOptions policy, string path, List<ConfigError> errors)
    {
        if (policy.AllowedOrigins.Count == 0)
        {
            errors.Add(new($"{path}:AllowedOrigins", "list at least one origin (https://app.example.com, https://*.example.com, or * for any origin)"));
            return;
        }

        for (var i = 0; i < policy.AllowedOrigins.Count; i++)
        {
            var origin = policy.AllowedOrigins[i];
            var itemPath = $"{path}:AllowedOrigins:{i}";
            if (origin == OriginPattern.AnyOrigin)
            {
                if (policy.AllowCredentials)
                {
                    // The CORS protocol forbids it (browsers refuse "*" with credentials), and echoing any origin instead would let every site read a user's answers.
                    errors.Add(new(itemPath, "'*' (any origin) cannot be combined with AllowCredentials: list the origins that may send credentials"));
                }
                else if (policy.AllowedOrigins.Count > 1)
                {
                    errors.Add(new(itemPath, "'*' allows any origin: it cannot be combined with other origins"));
                }
            }
            else if (OriginPattern.TryParse(origin, out var error) is null)
            {
                errors.Add(new(itemPath, error!));
            }
        }
    }

    // A list of names, or "*" alone (any).
    private static void ValidateCorsList(IReadOnlyList<string> values, string path, string what, List<ConfigError> errors, Action<string, string> validateItem)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == "*")
            {
                if (values.Count > 1)
                {
                    errors.Add(new($"{path}:{i}", $"'*' allows any {what}: it cannot be combined with other values"));
                }
            }
            else
            {
                validateItem(values[i] ?? "", $"{path}:{i}");
            }
        }
    }

    private static void ValidateCorsHeader(string header, string path, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(header) || !header.All(IsTokenChar))
        {
            errors.Add(new(path, $"'{header}' is not a valid header name"));
        }
    }

    // A route's CorsPolicy names a policy of Gateway:Cors ("Default": Gateway:Cors:Default).
    private static void ValidateRouteCors(GatewayOptions gateway, RouteConfig route, string path, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(route.CorsPolicy))
        {
            return;
        }

        var configured = string.Join(", ", gateway.Cors.Keys);
        if (string.Equals(route.CorsPolicy, CorsPolicyCompiler.DisableValue, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new($"{path}:CorsPolicy", "'Disable' is not used by this gateway: remove CorsPolicy (a route without one has no CORS: a preflight is judged like any other request)"));
        }
        else if (!gateway.Cors.Keys.Contains(route.CorsPolicy, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new($"{path}:CorsPolicy", $"unknown CORS policy '{route.CorsPolicy}': declare it in Gateway:Cors:{route.CorsPolicy} (configured: {(configured.Length == 0 ? "none" : configured)})"));
        }
    }
}
