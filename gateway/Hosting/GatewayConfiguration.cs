using Microsoft.Extensions.Configuration;

namespace Gateway.Hosting;

/// <summary>Builds the configuration stack: the JSON files (reloaded on change), then environment variables and the command line, which override them.</summary>
public static class GatewayConfiguration
{
    public static void AddGatewaySources(this IConfigurationManager configuration, ConfigLocation location, string[] args, ConfigFileErrors? errors = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(location);
        foreach (var file in location.Files)
        {
            var loadedOnce = false;
            configuration.AddJsonFile(source =>
            {
                source.Path = file;
                source.Optional = false;
                source.ReloadOnChange = true;
                source.ResolveFileProvider();
                source.OnLoadException = context =>
                {
                    // At startup a broken file stops the process (the exception propagates);
                    // on reload it is reported and the last good configuration stays active.
                    if (loadedOnce)
                    {
                        errors?.Report(file, context.Exception);
                        context.Ignore = true;
                    }
                };
            });
            loadedOnce = true; // a ConfigurationManager loads a source when it is added
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
