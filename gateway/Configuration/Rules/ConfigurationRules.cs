using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration.Rules;

/// <summary>
/// Rules that read the merged configuration itself (every layer: files, environment variables, command line)
/// rather than the bound options: what binding would hide (a bare number bound as days) and the ASP.NET Core
/// settings the host reads when it starts (log levels, listen addresses, certificates). Run by
/// <see cref="GatewayConfigLoader"/>, so <c>check-config</c>, startup and reload apply the same rules.
/// </summary>
internal static class ConfigurationRules
{
    public static List<ConfigError> Check(IConfiguration configuration, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var isDevelopment = string.Equals(environmentName, "Development", StringComparison.OrdinalIgnoreCase);
        var errors = new List<ConfigError>();
        DurationRule.Check(configuration, errors);
        LogLevelRule.Check(configuration, errors);
        ListenAddressRule.Check(configuration, isDevelopment, errors);
        PlaceholderSecretRule.Check(configuration, isDevelopment, errors);
        return errors;
    }
}
