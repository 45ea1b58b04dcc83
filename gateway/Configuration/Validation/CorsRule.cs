using Gateway.Cors;

namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Cors</c>: each policy's origins, methods, headers and preflight lifetime.</summary>
internal sealed class CorsRule : IConfigRule
{
    // The methods the request guard lets through (RequestGuard.AllowedMethods): a policy allowing another could never be used.
    private static readonly string[] CorsMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    public void Validate(ConfigValidationContext context)
    {
        foreach (var (name, policy) in context.Gateway.Cors)
        {
            var path = $"Gateway:Cors:{name}";
            if (string.Equals(name, CorsPolicyCompiler.DisableValue, StringComparison.OrdinalIgnoreCase))
            {
                context.Add(path, "'Disable' is reserved by YARP's CorsPolicy route setting: choose another name");
            }

            ValidateOrigins(policy, path, context);
            if (policy.AllowedMethods is { Count: 0 })
            {
                context.Add($"{path}:AllowedMethods", "list at least one method, or leave AllowedMethods out (default GET, HEAD, POST)");
            }

            if (policy.AllowedMethods is { } methods)
            {
                ValidateList(methods, $"{path}:AllowedMethods", "method", context, (method, itemPath) =>
                {
                    if (!CorsMethods.Contains(method, StringComparer.Ordinal))
                    {
                        var upper = method.ToUpperInvariant();
                        context.Add(itemPath, CorsMethods.Contains(upper, StringComparer.Ordinal)
                            ? $"'{method}': methods are case-sensitive, write '{upper}'"
                            : $"'{method}' is not a method the gateway forwards ({string.Join(", ", CorsMethods)}) or '*'");
                    }
                });
            }

            if (policy.AllowedHeaders is { } headers)
            {
                ValidateList(headers, $"{path}:AllowedHeaders", "header", context, (header, itemPath) => ValidateHeader(header, itemPath, context));
            }

            for (var i = 0; i < policy.ExposedHeaders.Count; i++)
            {
                if (policy.ExposedHeaders[i] == "*")
                {
                    context.Add($"{path}:ExposedHeaders:{i}", "list the header names: '*' exposes nothing to a page that sends credentials");
                }
                else
                {
                    ValidateHeader(policy.ExposedHeaders[i], $"{path}:ExposedHeaders:{i}", context);
                }
            }

            if (policy.MaxAge is { } maxAge && (maxAge < TimeSpan.Zero || maxAge > TimeSpan.FromDays(1)))
            {
                context.Add($"{path}:MaxAge", "must be between 00:00:00 and 1.00:00:00 (browsers cap it: Chromium at 2 hours)");
            }
        }
    }

    private static void ValidateOrigins(CorsPolicyOptions policy, string path, ConfigValidationContext context)
    {
        if (policy.AllowedOrigins.Count == 0)
        {
            context.Add($"{path}:AllowedOrigins", "list at least one origin (https://app.example.com, https://*.example.com, or * for any origin)");
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
                    context.Add(itemPath, "'*' (any origin) cannot be combined with AllowCredentials: list the origins that may send credentials");
                }
                else if (policy.AllowedOrigins.Count > 1)
                {
                    context.Add(itemPath, "'*' allows any origin: it cannot be combined with other origins");
                }
            }
            else if (OriginPattern.TryParse(origin, out var error) is null)
            {
                context.Add(itemPath, error!);
            }
        }
    }

    // A list of names, or "*" alone (any).
    private static void ValidateList(IReadOnlyList<string> values, string path, string what, ConfigValidationContext context, Action<string, string> validateItem)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == "*")
            {
                if (values.Count > 1)
                {
                    context.Add($"{path}:{i}", $"'*' allows any {what}: it cannot be combined with other values");
                }
            }
            else
            {
                validateItem(values[i] ?? "", $"{path}:{i}");
            }
        }
    }

    private static void ValidateHeader(string header, string path, ConfigValidationContext context)
    {
        if (!HeaderChecks.IsHeaderName(header))
        {
            context.Add(path, $"'{header}' is not a valid header name");
        }
    }
}
