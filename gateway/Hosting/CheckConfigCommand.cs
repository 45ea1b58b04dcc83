using Gateway.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// <c>check-config PATH [--environment NAME]</c>: validates a configuration file or directory without
/// starting the server. Exit 0 when valid; 1 with every error on stderr when not.
/// </summary>
internal static class CheckConfigCommand
{
    private static readonly HashSet<string> Known = ["environment"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CommandLineArguments options;
        try
        {
            options = new CommandLineArguments(args, Known);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        if (options.Positional.Count != 1)
        {
            await stderr.WriteLineAsync("usage: check-config PATH [--environment NAME]").ConfigureAwait(false);
            return 2;
        }

        var environment = options.Get("environment") ?? TokenCommand.EnvironmentName();
        ConfigLocation location;
        try
        {
            location = ConfigLocation.Resolve(options.Positional[0], environment);
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        List<ConfigError> errors;
        try
        {
            var configuration = GatewayConfiguration.Build(location, []);
            using (configuration as IDisposable) // its file watchers
            {
                errors = await ValidateAsync(configuration, environment).ConfigureAwait(false);
            }
        }
        catch (InvalidDataException ex)
        {
            // Not JSON at all: the configuration provider names the file, its parser the position.
            var detail = ex.InnerException?.InnerException is { } parser ? $"{ex.InnerException.Message} {parser.Message}" : ex.InnerException?.Message ?? ex.Message;
            errors = [new ConfigError(location.Description, detail)];
        }

        if (errors.Count == 0)
        {
            await stdout.WriteLineAsync($"{location.Description}: valid ({environment})").ConfigureAwait(false);
            return 0;
        }

        await stderr.WriteLineAsync($"{location.Description}: {errors.Count} error(s) ({environment})").ConfigureAwait(false);
        foreach (var error in errors)
        {
            await stderr.WriteLineAsync("  " + error).ConfigureAwait(false);
        }

        return 1;
    }

    // YARP's validator needs YARP's services; a throwaway container provides them without starting anything.
    private static async Task<List<ConfigError>> ValidateAsync(Microsoft.Extensions.Configuration.IConfiguration configuration, string environment)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders(); // stdout carries the verdict only
        builder.Services.AddReverseProxy();
        await using var services = builder.Services.BuildServiceProvider();
        var loader = new GatewayConfigLoader(services.GetRequiredService<IConfigValidator>(), environment);
        return await loader.ValidateAsync(configuration).ConfigureAwait(false);
    }
}
