using Microsoft.Extensions.Configuration;

namespace Gateway.Hosting;

/// <summary>Builds the configuration stack: the JSON files (reloaded on change), then environment variables and the command line, which override them.</summary>
internal static class GatewayConfiguration
{
    public static void AddGatewaySources(this IConfigurationManager configuration, ConfigLocation location, string[] args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(location);
        // A configuration manager loads each source as it is added: past that point, a load is a reload.
        var loaded = false;
        foreach (var file in location.Files)
        {
            configuration.AddJsonFile(source =>
            {
                source.Path = file;
                source.Optional = false;
                source.ReloadOnChange = true;
                source.ResolveFileProvider();
                ConfigFileWatching.Configure(source, file); // a ConfigMap volume's symlink swap is polled for

                // At startup a broken file fails loudly. On a reload the provider would rethrow inside the file
                // watcher: nothing logged, no change signalled. Ignoring it lets the change through, and the
                // snapshot manager rejects it (GatewayConfigLoader re-reads the files and names the broken one).
                source.OnLoadException = context => context.Ignore = Volatile.Read(ref loaded);
            });
        }

        Volatile.Write(ref loaded, true);

        // Re-added after the files so that standard overrides win over them: ASPNETCORE_/DOTNET_-prefixed
        // variables (ASPNETCORE_URLS) as ASP.NET Core reads them, then plain ones (Gateway__Redis__Configuration=...).
        configuration.AddEnvironmentVariables("DOTNET_");
        configuration.AddEnvironmentVariables("ASPNETCORE_");
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }

    /// <summary>
    /// Removes the configuration files <c>WebApplication.CreateBuilder</c> adds by default (<c>appsettings.json</c>,
    /// <c>appsettings.{Environment}.json</c>, user secrets): the gateway reads only the layers it documents, the
    /// same ones <c>check-config</c> reads, so what <c>check-config</c> accepts is what starts.
    /// </summary>
    public static void RemoveHostFileSources(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var source in configuration.Sources.OfType<Microsoft.Extensions.Configuration.FileConfigurationSource>().ToList())
        {
            configuration.Sources.Remove(source);
        }
    }

    /// <summary>The same layers as the gateway's, for the commands that read a configuration without starting it (dispose it: the files are watched).</summary>
    public static ConfigurationManager Build(ConfigLocation location, string[] args)
    {
        var manager = new ConfigurationManager();
        manager.AddGatewaySources(location, args);
        return manager;
    }
}
