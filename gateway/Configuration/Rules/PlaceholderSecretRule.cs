using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration.Rules;

/// <summary>
/// A placeholder left in a secret-bearing setting (<c>password=CHANGE_ME</c>, copied from an example) is an
/// error outside the Development environment: a Redis protected by a published password, or an integrity key
/// everybody knows, protects nothing. Checked after every layer is merged, so a secret supplied through an
/// environment variable replaces the file's placeholder as intended.
/// </summary>
internal static partial class PlaceholderSecretRule
{
    /// <summary>Settings that carry secrets; <c>*</c> matches any one key.</summary>
    internal static readonly string[] SecretPaths =
    [
        "Gateway:Redis:IntegrityKey",
        "Gateway:Revocation:ApiKey",
        "Gateway:Issuers:*:Introspection:ClientSecret",
        "Gateway:Diagnostics:Dashboard:ApiKey",
        "Gateway:Dpop:NonceKey",
        "Kestrel:Certificates:*:Password",
        "Kestrel:Endpoints:*:Certificate:Password",
    ];

    public static void Check(IConfiguration configuration, bool isDevelopment, List<ConfigError> errors)
    {
        if (isDevelopment)
        {
            return;
        }

        if (configuration["Gateway:Redis:Configuration"] is { } redis && RedisPassword(redis) is { } password && IsPlaceholder(password))
        {
            errors.Add(new("Gateway:Redis:Configuration", "the password is a placeholder: supply the whole string from a secret, e.g. the environment variable Gateway__Redis__Configuration"));
        }

        // OTLP exporter headers carry the collector's credentials: "api-key=...,authorization=Bearer ...".
        if (configuration.GetChildren().FirstOrDefault(c => string.Equals(c.Key, "OTEL_EXPORTER_OTLP_HEADERS", StringComparison.OrdinalIgnoreCase)) is { Value: { } headers } otlp
            && headers.Split(',').Select(h => h.Split('=', 2)).Any(h => h.Length == 2 && IsPlaceholder(h[1].Split(' ')[^1])))
        {
            errors.Add(new(otlp.Path, "a header value is a placeholder: supply the collector's credentials from a secret"));
        }

        foreach (var pattern in SecretPaths)
        {
            foreach (var setting in Expand(configuration, pattern.Split(':')))
            {
                if (setting.Value is { } value && IsPlaceholder(value))
                {
                    errors.Add(new(setting.Path, $"is a placeholder: supply the secret, e.g. the environment variable {setting.Path.Replace(":", "__", StringComparison.Ordinal)}"));
                }
            }
        }
    }

    /// <summary>
    /// A placeholder, ignoring case: contains CHANGE_ME, CHANGE-ME or CHANGEME; starts with REPLACE; has TODO or
    /// FIXME as a word; is wrapped in angle brackets (<c>&lt;redis-password&gt;</c>); or is only dots, x or * (<c>...</c>).
    /// </summary>
    internal static bool IsPlaceholder(string value) => PlaceholderPattern().IsMatch(value.Trim());

    [GeneratedRegex(@"CHANGE[_-]?ME|^REPLACE|(^|[^A-Z0-9])(TODO|FIXME)([^A-Z0-9]|$)|^<.*>$|^[.x*]+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();

    private static string? RedisPassword(string configuration)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(configuration).Password;
        }
        catch (ArgumentException)
        {
            return null; // reported by the validator, without the password
        }
    }

    private static IEnumerable<IConfigurationSection> Expand(IConfiguration configuration, string[] keys)
    {
        IEnumerable<IConfiguration> level = [configuration];
        foreach (var key in keys)
        {
            level = key == "*" ? level.SelectMany(s => s.GetChildren()) : level.Select(s => (IConfiguration)s.GetSection(key));
        }

        return level.Cast<IConfigurationSection>();
    }
}
