using System.CommandLine;
using System.CommandLine.Help;

namespace Gateway.Hosting;

/// <summary>
/// The command line of the one binary: the gateway itself, <c>check-config</c>, <c>token</c>, <c>revoke</c> and <c>explain</c>, each with
/// <c>--help</c>. A usage error (unknown switch, missing value, stray argument) prints the error and the
/// command's usage on stderr and exits 2; nothing starts.
/// </summary>
internal static class GatewayCommandLine
{
    public const int UsageError = 2;

    /// <summary>What a command's action needs besides its own switches.</summary>
    internal sealed record Context(IReadOnlyList<string> Args, IReadOnlyList<string> Overrides, TextWriter Stdout, TextWriter Stderr);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string[], Task<int>> runGateway)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        var split = ConfigurationOverrides.Split(args);
        var context = new Context(args, split.Overrides, stdout, stderr);
        var root = CreateRoot(context, runGateway);

        // No response files (@file) and no signal handling: the gateway drains on SIGTERM itself (Gateway:Management:DrainTimeout).
        var result = root.Parse(split.Rest, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        if (result.Errors.Count == 0 && split.Errors.Count == 0)
        {
            return await result.InvokeAsync(invocation).ConfigureAwait(false);
        }

        foreach (var error in split.Errors.Concat(result.Errors.Select(e => e.Message)))
        {
            await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        // The usage of the command that was being parsed, on stderr.
        await stderr.WriteLineAsync().ConfigureAwait(false);
        string[] helpArgs = result.CommandResult.Command == root ? ["--help"] : [result.CommandResult.Command.Name, "--help"];
        await root.Parse(helpArgs).InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        return UsageError;
    }

    // A named command rather than RootCommand, whose name is the host executable's ("dotnet", "testhost"):
    // usage reads "Gateway ..." however the binary was started.
    private static Command CreateRoot(Context context, Func<string[], Task<int>> runGateway)
    {
        var root = new Command(
            "Gateway",
            """
            JWT gateway: a reverse proxy that forwards a request only with a valid JWT that satisfies the route's policy.
            Without a command, runs the gateway.

            Configuration overrides: --Section:Key=VALUE or --Section:Key VALUE sets any configuration key (a key with ':'),
            e.g. --Gateway:Limits:MaxTokenLength=4096; --OTEL_*=VALUE sets an OpenTelemetry setting. They override the
            files and environment variables. Any other --switch must be one listed here.
            """)
        {
            ConfigOption(),
            EnvironmentOption(),
            new HelpOption(),
            new VersionOption(),
            UrlsOption(),
            CheckConfigCommand.Create(context),
            TokenCommand.Create(context),
            RevokeCommand.Create(context),
            ExplainCommand.Create(context),
        };
        root.SetAction((_, _) => runGateway([.. context.Args]));
        return root;
    }

    internal static Option<string> UrlsOption() => new("--urls", "--Urls")
    {
        Description = "Addresses to listen on, separated by ';' (overrides Urls), e.g. http://0.0.0.0:8080",
        HelpName = "URLS",
    };

    internal static Option<string> ConfigOption() => new("--config")
    {
        Description = "Configuration file, or directory with gateway.json and gateway.{Environment}.json. Default: $GATEWAY_CONFIG, else config/ in the current directory or the nearest parent that has config/gateway.json, else config/ beside the binary",
        HelpName = "PATH",
    };

    internal static Option<string> EnvironmentOption() => new("--environment")
    {
        Description = "Environment name (matched case-insensitively). Default: $ASPNETCORE_ENVIRONMENT, else $DOTNET_ENVIRONMENT, else Development for a Debug build and Production for a Release build",
        HelpName = "NAME",
    };
}
