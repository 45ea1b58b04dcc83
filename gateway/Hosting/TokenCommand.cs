using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Development;

namespace Gateway.Hosting;

/// <summary>
/// <c>token --sub alice --scope "orders:read" --role admin [--ttl 1h] [--aud X] [--claim name=value] [--environment NAME]</c>:
/// prints a token from the development issuer, alone on stdout.
/// </summary>
internal static class TokenCommand
{
    public const string Name = "token";

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        GatewayCommandLine.RunAsync([Name, .. args], stdout, stderr, _ => throw new InvalidOperationException("not the gateway"));

    public static Command Create(GatewayCommandLine.Context context)
    {
        var sub = new Option<string>("--sub") { Description = "The sub claim", HelpName = "S", DefaultValueFactory = _ => "alice" };
        var scope = new Option<string[]>("--scope") { Description = "Repeatable; each value is split on spaces; all go into one space-separated scope claim", HelpName = "\"a b\"" };
        var role = new Option<string[]>("--role") { Description = "Repeatable; an array in the issuer's RoleClaim (default roles)", HelpName = "R" };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime: 90s, 15m, 1h, 2d or hh:mm:ss", HelpName = "DURATION", DefaultValueFactory = _ => "1h" };
        var audience = new Option<string>("--aud") { Description = "The aud claim. Default: the issuer's first Audiences entry (none if it lists none)", HelpName = "A" };
        var claim = new Option<string[]>("--claim") { Description = "Repeatable name=value; the value is JSON when it parses as JSON, else a string", HelpName = "name=value" };
        var issuer = new Option<string>("--issuer") { Description = "Name of a development issuer under Gateway:Issuers. Default: the first one", HelpName = "NAME" };
        var config = GatewayCommandLine.ConfigOption();
        var environment = GatewayCommandLine.EnvironmentOption();
        var command = new Command(Name, "Print a token from the development issuer, alone on stdout (Development environment only).")
        {
            sub, scope, role, ttl, audience, claim, issuer, config, environment,
        };
        command.SetAction((result, _) => MintAsync(
            new TokenOptions(result.GetValue(sub)!, result.GetValue(scope) ?? [], result.GetValue(role) ?? [], result.GetValue(ttl)!, result.GetValue(audience), result.GetValue(claim) ?? [], result.GetValue(issuer)),
            result.GetValue(config),
            result.GetValue(environment) ?? EnvironmentName(),
            context));
        return command;
    }

    private sealed record TokenOptions(string Subject, string[] Scopes, string[] Roles, string Ttl, string? Audience, string[] Claims, string? Issuer);

    private static async Task<int> MintAsync(TokenOptions options, string? configPath, string environment, GatewayCommandLine.Context context)
    {
        var (stdout, stderr) = (context.Stdout, context.Stderr);
        try
        {
            var location = ConfigLocation.Resolve(configPath, environment);
            using var configuration = GatewayConfiguration.Build(location, [.. context.Overrides]);
            var errors = new List<ConfigError>();
            var (gateway, _) = GatewayConfigReader.Read(configuration, errors);
            if (!string.Equals(environment, "Development", StringComparison.OrdinalIgnoreCase))
            {
                await stderr.WriteLineAsync($"error: the development issuer only exists in the Development environment (current: {environment}); set ASPNETCORE_ENVIRONMENT=Development or pass --environment Development.").ConfigureAwait(false);
                return 1;
            }

            var (_, issuer) = gateway.Issuers.FirstOrDefault(i => i.Value.Development && (options.Issuer is null || i.Key == options.Issuer));
            if (issuer is null)
            {
                await stderr.WriteLineAsync($"error: no development issuer{(options.Issuer is null ? "" : $" named '{options.Issuer}'")} in {location.Description}.").ConfigureAwait(false);
                return 1;
            }

            var stores = new DevelopmentKeyStores();
            var minter = new DevelopmentTokenMinter(stores.Get(gateway.Development.KeyDirectory), ExpectedIssuer.Of(issuer, DevelopmentIssuerDefaults.Issuer)!, issuer.RoleClaim, TimeProvider.System);
            var token = minter.Mint(new TokenRequest
            {
                Subject = options.Subject,
                Scopes = options.Scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
                Roles = options.Roles,
                Lifetime = ParseDuration(options.Ttl),
                Audience = options.Audience ?? (issuer.Audiences.Count > 0 ? issuer.Audiences[0] : null),
                ExtraClaims = options.Claims.Select(ParseClaim).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
            });
            await stdout.WriteLineAsync(token).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidDataException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
    }

    internal static string EnvironmentName() => GatewayEnvironment.Name;

    /// <summary>Durations: <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, or <c>hh:mm:ss</c>.</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal))
        {
            return span;
        }

        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => throw new FormatException($"--ttl '{text}': use 90s, 15m, 1h, 2d or hh:mm:ss"),
            };
        }

        throw new FormatException($"--ttl '{text}': use 90s, 15m, 1h, 2d or hh:mm:ss");
    }

    // --claim name=value: the value is JSON when it parses as JSON (numbers, true, arrays, objects), else a string.
    private static KeyValuePair<string, object> ParseClaim(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--claim '{text}': use name=value");
        }

        var name = text[..equals];
        var raw = text[(equals + 1)..];
        try
        {
            using var document = JsonDocument.Parse(raw);
            return new(name, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return new(name, raw);
        }
    }
}
