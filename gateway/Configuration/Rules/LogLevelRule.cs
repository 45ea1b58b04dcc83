using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Configuration.Rules;

/// <summary>
/// <c>Logging:LogLevel:*</c> and <c>Logging:{Provider}:LogLevel:*</c> hold level names. The logging
/// library reads them when the first logger is created and throws on a misspelt one
/// (<c>"Informaton"</c>), which killed the process at startup after <c>check-config</c> had said valid.
/// </summary>
internal static class LogLevelRule
{
    private static readonly string[] Names = Enum.GetNames<LogLevel>();

    public static void Check(IConfiguration configuration, List<ConfigError> errors)
    {
        var logging = configuration.GetSection("Logging");
        CheckLevels(logging.GetSection("LogLevel"), errors);
        foreach (var provider in logging.GetChildren())
        {
            if (!string.Equals(provider.Key, "LogLevel", StringComparison.OrdinalIgnoreCase))
            {
                CheckLevels(provider.GetSection("LogLevel"), errors);
            }
        }
    }

    private static void CheckLevels(IConfigurationSection levels, List<ConfigError> errors)
    {
        foreach (var category in levels.GetChildren())
        {
            // Names only (any case), as documented: the library would also take "2", or "42", as a level.
            if (category.Value is { } value && !Names.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new(category.Path, $"'{value}' is not a log level (one of {string.Join(", ", Names)})"));
            }
        }
    }
}
