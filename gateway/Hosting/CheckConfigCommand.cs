using System.CommandLine;
using Gateway.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// <c>check-config [PATH] [--config PATH] [--environment NAME] [--urls URLS] [--Section:Key=VALUE ...]</c>: validates the
/// configuration the gateway would start with, without starting it. The configuration is found like the
/// gateway's (PATH or <c>--config</c>, then <c>GATEWAY_CONFIG</c>, then <c>config/</c>) and layered like it
/// (files, environment variables, command-line overrides); the same checks run
/// (<see cref="GatewayConfigCheck"/>). Exit 0 when valid; 1 with every error on stderr when not; 2 for a usage error.
/// </summary>
internal static class CheckConfigCommand
{
    public const string Name = "check-config";

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        GatewayCommandLine.RunAsync([Name, .. args], stdout, stderr, _ => throw new InvalidOperationException("not the gateway"));

    public static Command Create(GatewayCommandLine.Context context)
    {
        var path = new Argument<string?>("PATH") { Description = "Configuration file or directory (the same as --config)", Arity = ArgumentArity.ZeroOrOne };
        var config = GatewayCommandLine.ConfigOption();
        var environment = GatewayCommandLine.EnvironmentOption();
        var urls = GatewayCommandLine.UrlsOption();
        var command = new Command(Name, "Validate the configuration the gateway would start with, without starting it. Prints 'PATH: valid (...)' and exits 0, or every error with its configuration path and exits 1. Accepts the same configuration overrides as the gateway.")
        {
            path,
            config,
            environment,
            urls,
        };
        command.Validators.Add(result =>
        {
            // An unknown switch would otherwise be taken for PATH (check-config --env Production).
            if (result.GetValue(path) is { } value && value.StartsWith('-'))
            {
                result.AddError($"Unrecognized command or argument '{value}'.");
            }
            else if (result.GetValue(path) is not null && result.GetValue(config) is not null)
            {
                result.AddError("give the configuration either as PATH or as --config, not both");
            }
        });
        command.SetAction((result, _) => CheckAsync(
            result.GetValue(path) ?? result.GetValue(config),
            result.GetValue(environment) ?? GatewayEnvironment.Name,
            result.GetValue(urls) is { } listen ? context with { Overrides = [.. context.Overrides, "--urls", listen] } : context));
        return command;
    }

    private static async Task<int> CheckAsync(string? explicitPath, string environment, GatewayCommandLine.Context context)
    {
        var (stdout, stderr) = (context.Stdout, context.Stderr);
        ConfigLocation location;
        try
        {
            location = ConfigLocation.Resolve(explicitPath, environment);
        }
        catch (IOException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message} (environment: {environment})").ConfigureAwait(false);
            return 1;
        }

        var origin = new ConfigOrigin(environment, location.Files);
        List<ConfigError> errors;
        try
        {
            using var configuration = GatewayConfiguration.Build(location, [.. context.Overrides]);
            errors = await GatewayConfigCheck.ValidateAsync(configuration, environment).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            // Not JSON at all: the configuration provider names the file, its parser the position.
            var detail = ex.InnerException?.InnerException is { } parser ? $"{ex.InnerException.Message} {parser.Message}" : ex.InnerException?.Message ?? ex.Message;
            errors = [new ConfigError(location.Description, detail)];
        }

        if (errors.Count == 0)
        {
            await stdout.WriteLineAsync($"{location.Description}: valid ({origin})").ConfigureAwait(false);
            return 0;
        }

        await stderr.WriteLineAsync($"{location.Description}: {errors.Count} error(s) ({origin})").ConfigureAwait(false);
        foreach (var error in errors)
        {
            await stderr.WriteLineAsync("  " + error).ConfigureAwait(false);
        }

        return 1;
    }
}
