using System.CommandLine;
using Gateway.Configuration;
using Gateway.Diagnostics;
using Gateway.Keys;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Hosting;

/// <summary>
/// <c>explain URL [--method M] [--token T | --token-file F | --claims JSON] [--issuer NAME] [--header "N: V"] [--json]
/// [--config PATH] [--environment NAME]</c>: how the gateway would decide the request, step by step. Builds the gateway
/// exactly as it starts (<see cref="GatewayApplication"/>, same configuration layers and checks), without listening, and
/// runs the request path's own parts (<see cref="DecisionExplainer"/>). Keys come from the identity provider (not
/// Redis); revocations are not known offline. Exit 0 when the request would be forwarded, 3 when refused, 1 for an
/// invalid configuration or input, 2 for a usage error.
/// </summary>
internal static class ExplainCommand
{
    public const string Name = "explain";
    public const int Refused = 3;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        GatewayCommandLine.RunAsync([Name, .. args], stdout, stderr, _ => throw new InvalidOperationException("not the gateway"));

    public static Command Create(GatewayCommandLine.Context context)
    {
        var url = new Argument<string>("URL") { Description = "The request's URL (https://api.example.com/orders/1), or its path with --host" };
        var method = new Option<string>("--method", "-X") { Description = "HTTP method", HelpName = "METHOD", DefaultValueFactory = _ => "GET" };
        var host = new Option<string>("--host") { Description = "Host when URL is a path. Default: localhost", HelpName = "HOST" };
        var token = new Option<string>("--token") { Description = "The token (sent as Authorization: Bearer). Prefer --token-file: a command line is visible to other users", HelpName = "JWT" };
        var tokenFile = new Option<string>("--token-file") { Description = "File holding the token; - reads standard input", HelpName = "PATH" };
        var claims = new Option<string>("--claims") { Description = "What-if: a claims JSON object judged by the policy without a token (nothing validated); @PATH reads a file", HelpName = "JSON" };
        var issuer = new Option<string>("--issuer") { Description = "With --claims: the configured issuer the claims come from. Default: the one their iss names, else the only issuer", HelpName = "NAME" };
        var header = new Option<string[]>("--header", "-H") { Description = "Repeatable request header \"Name: value\" (routes matching headers, other token carriers)", HelpName = "\"N: V\"" };
        var json = new Option<bool>("--json") { Description = "Print the decision trace as JSON" };
        var config = GatewayCommandLine.ConfigOption();
        var environment = GatewayCommandLine.EnvironmentOption();
        var command = new Command(Name, "Explain how the gateway would decide a request: the route, its policy, the token's issuer and validation stages, every requirement with the claim values it saw, the claim headers forwarded and the answer. Exits 0 when the request would be forwarded, 3 when refused, 1 for an invalid configuration or input.")
        {
            url, method, host, token, tokenFile, claims, issuer, header, json, config, environment,
        };
        command.Validators.Add(result =>
        {
            var given = new[] { result.GetValue(token), result.GetValue(tokenFile), result.GetValue(claims) }.Count(v => v is not null);
            if (given > 1)
            {
                result.AddError("give at most one of --token, --token-file and --claims");
            }

            if (result.GetValue(issuer) is not null && result.GetValue(claims) is null)
            {
                result.AddError("--issuer applies to --claims only (a token names its issuer)");
            }

            foreach (var value in result.GetValue(header) ?? [])
            {
                if (!value.Contains(':', StringComparison.Ordinal) || value.StartsWith(':'))
                {
                    result.AddError($"--header '{value}' is not \"Name: value\"");
                }
            }
        });
        command.SetAction((result, cancellationToken) => ExplainAsync(
            new Inputs(
                result.GetValue(url)!,
                result.GetValue(method)!,
                result.GetValue(host),
                result.GetValue(token),
                result.GetValue(tokenFile),
                result.GetValue(claims),
                result.GetValue(issuer),
                result.GetValue(header) ?? [],
                result.GetValue(json)),
            result.GetValue(config),
            result.GetValue(environment) ?? GatewayEnvironment.Name,
            context,
            cancellationToken));
        return command;
    }

    private sealed record Inputs(string Url, string Method, string? Host, string? Token, string? TokenFile, string? Claims, string? Issuer, string[] Headers, bool Json);

    private static async Task<int> ExplainAsync(Inputs inputs, string? configPath, string environment, GatewayCommandLine.Context context, CancellationToken cancellationToken)
    {
        var (stdout, stderr) = (context.Stdout, context.Stderr);
        ExplainRequest request;
        try
        {
            request = new ExplainRequest
            {
                Method = inputs.Method,
                Url = inputs.Url,
                Host = inputs.Host,
                Token = inputs.TokenFile is { } file ? (await ReadAsync(file, cancellationToken).ConfigureAwait(false)).Trim() : inputs.Token?.Trim(),
                Claims = inputs.Claims is { } claims && claims.StartsWith('@') ? await File.ReadAllTextAsync(claims[1..], cancellationToken).ConfigureAwait(false) : inputs.Claims,
                Issuer = inputs.Issuer,
                Headers = inputs.Headers.Select(h => h.Split(':', 2)).Select(p => KeyValuePair.Create(p[0].Trim(), p[1].Trim())).ToList(),
            };
        }
        catch (IOException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        WebApplication app;
        try
        {
            string[] args = [.. configPath is null ? [] : new[] { "--config", configPath }, "--environment", environment, .. context.Overrides];
            app = GatewayApplication.Build(args, builder =>
            {
                builder.Logging.ClearProviders(); // stdout is the explanation
                // Offline: keys from the identity provider (or the local source), never written to a fleet's Redis.
                builder.Services.AddSingleton<ISharedKeyStore>(MemoryOnlyKeyStore.Instance);
            });
        }
        catch (GatewayConfigurationException ex)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"error: {ex.Message} {ex.InnerException?.Message}".TrimEnd()).ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            var snapshot = app.Services.GetRequiredService<GatewaySnapshotManager>().Current;
            var explainer = new DecisionExplainer(app.Services.GetRequiredService<ExplainRoutes>().Matcher, revocations: null);
            var trace = await explainer.ExplainAsync(snapshot, request, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync(inputs.Json ? DecisionTraceText.ToJson(trace) + Environment.NewLine : DecisionTraceText.ToText(trace)).ConfigureAwait(false);
            return trace.Answer.Forwarded ? 0 : trace.Answer.Status == 0 ? 1 : Refused;
        }
    }

    private static async Task<string> ReadAsync(string file, CancellationToken cancellationToken) =>
        file == "-" ? await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false) : await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
}
