using Microsoft.Extensions.Configuration;

namespace Gateway.Hosting;

/// <summary>Builds the configuration stack: the JSON files (reloaded on change), then environment variables and the command line, which override them.</summary>
public static class GatewayConfiguration
{
    public static void AddGatewaySources(this IConfigurationManager configuration, ConfigLocation location, string[] args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(location);
        foreach (var file in location.Files)
        {
            configuration.AddJsonFile(file, optional: false, reloadOnChange: true);
        }

        // Re-added after the files so that standard overrides (Gateway__Redis__Configuration=...) win.
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }

    public static IConfigurationRoot Build(ConfigLocation location, string[] args)
    {
        var manager = new ConfigurationManager();
        manager.AddGatewaySources(location, args);
        return manager;
    }
}
