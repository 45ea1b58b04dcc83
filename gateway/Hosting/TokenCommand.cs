using System.Globalization;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Development;

namespace Gateway.Hosting;

/// <summary>
/// <c>token --sub alice --scope "orders:read" --role admin [--ttl 1h] [--aud X] [--claim name=value]</c>:
/// prints a token from the development issuer, alone on stdout.
/// </summary>
internal static class TokenCommand
{
    private static readonly HashSet<string> Known = ["sub", "scope", "role", "ttl", "aud", "claim", "issuer", "config"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var options = new CommandLineArguments(args, Known);
            var environment = EnvironmentName();
            var location = ConfigLocation.Resolve(options.Get("config"), environment);
            var configuration = GatewayConfiguration.Build(location, []);
            var errors = new List<ConfigError>();
            var (gateway, _) = GatewayConfigReader.Read(configuration, errors);
            if (!string.Equals(environment, "Development", StringComparison.OrdinalIgnoreCase))
            {
                await stderr.WriteLineAsync($"error: the development issuer only exists in the Development environment (current: {environment}); set ASPNETCORE_ENVIRONMENT=Development.").ConfigureAwait(false);
                return 1;
            }

            var issuerName = options.Get("issuer");
            var (_, issuer) = gateway.Issuers.FirstOrDefault(i => i.Value.Development && (issuerName is null || i.Key == issuerName));
            if (issuer is null)
            {
                await stderr.WriteLineAsync($"error: no development issuer{(issuerName is null ? "" : $" named '{issuerName}'")} in {location.Description}.").ConfigureAwait(false);
                return 1;
            }

            var stores = new DevelopmentKeyStores();
            var minter = new DevelopmentTokenMinter(stores.Get(gateway.Development.KeyDirectory), GatewayConfigValidator.ExpectedIssuer(issuer, DevelopmentIssuerDefaults.Issuer)!, issuer.RoleClaim, TimeProvider.System);
            var token = minter.Mint(new TokenRequest
            {
                Subject = options.Get("sub") ?? "alice",
                Scopes = options.GetAll("scope").SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
                Roles = options.GetAll("role"),
                Lifetime = ParseDuration(options.Get("ttl") ?? "1h"),
                Audience = options.Get("aud") ?? (issuer.Audiences.Count > 0 ? issuer.Audiences[0] : null),
                ExtraClaims = options.GetAll("claim").Select(ParseClaim).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
            });
            await stdout.WriteLineAsync(token).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or FileNotFoundException or InvalidDataException)
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
