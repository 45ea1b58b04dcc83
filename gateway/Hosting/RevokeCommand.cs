using System.CommandLine;
using Gateway.Configuration;
using Gateway.Redis;
using Gateway.Revocation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Hosting;

/// <summary>
/// <c>revoke --jti ID [--issuer NAME] [--expires T]</c>, <c>revoke --issuer NAME --sub S [--before T]</c>,
/// <c>revoke --sid ID [--issuer NAME]</c>, <c>revoke --list</c>, <c>revoke --remove --jti ID</c> (or --sub, --sid):
/// writes to the fleet's Redis (the configuration's <c>Gateway:Redis</c>, same prefix) and notifies every replica.
/// </summary>
internal static class RevokeCommand
{
    public const string Name = "revoke";

    public static Command Create(GatewayCommandLine.Context context)
    {
        var jti = new Option<string>("--jti") { Description = "Revoke one token by its jti claim", HelpName = "ID" };
        var sub = new Option<string>("--sub") { Description = "Revoke every token of this subject issued before --before (needs --issuer)", HelpName = "SUBJECT" };
        var sid = new Option<string>("--sid") { Description = "Revoke every token of this session (sid claim)", HelpName = "ID" };
        var issuer = new Option<string>("--issuer") { Description = "Name of the issuer under Gateway:Issuers. Optional with --jti and --sid (default: any issuer)", HelpName = "NAME" };
        var before = new Option<string>("--before") { Description = "With --sub: tokens issued (iat) before this time are refused. ISO 8601 or Unix seconds. Default: now", HelpName = "TIME" };
        var expires = new Option<string>("--expires") { Description = "With --jti or --sid: the token's exp (ISO 8601 or Unix seconds), so the entry goes when the token would have. Default: the issuer's MaxTokenLifetime (else Gateway:Revocation:DefaultLifetime) from now", HelpName = "TIME" };
        var list = new Option<bool>("--list") { Description = "List the revocations in force" };
        var remove = new Option<bool>("--remove") { Description = "Take back the revocation named by --jti, --sub or --sid (and --issuer)" };
        var config = GatewayCommandLine.ConfigOption();
        var environment = GatewayCommandLine.EnvironmentOption();
        var command = new Command(Name, """
            Revoke tokens for the whole fleet: writes to the Redis of the configuration (Gateway:Redis, same key prefix)
            and notifies every replica, which refuses matching tokens within a second (401 invalid_token, reason "revoked").
            Needs Redis: without it, revocations live in each instance's memory (use its management endpoint, /revocations).
            Examples: revoke --jti 5f2c... | revoke --issuer corp --sub alice --before 2026-12-01T10:00:00Z | revoke --list
            """)
        {
            jti, sub, sid, issuer, before, expires, list, remove, config, environment,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            new Arguments(result.GetValue(jti), result.GetValue(sub), result.GetValue(sid), result.GetValue(issuer), result.GetValue(before), result.GetValue(expires), result.GetValue(list), result.GetValue(remove)),
            result.GetValue(config),
            result.GetValue(environment) ?? TokenCommand.EnvironmentName(),
            context,
            cancellationToken));
        return command;
    }

    private sealed record Arguments(string? Jti, string? Sub, string? Sid, string? Issuer, string? Before, string? Expires, bool List, bool Remove);

    private static async Task<int> RunAsync(Arguments args, string? configPath, string environment, GatewayCommandLine.Context context, CancellationToken cancellationToken)
    {
        var stderr = context.Stderr;
        var (request, usage) = Validate(args);
        if (usage is not null)
        {
            await stderr.WriteLineAsync("error: " + usage).ConfigureAwait(false);
            return GatewayCommandLine.UsageError;
        }

        GatewayOptions gateway;
        try
        {
            var location = ConfigLocation.Resolve(configPath, environment);
            using var configuration = GatewayConfiguration.Build(location, [.. context.Overrides]);
            (gateway, _) = GatewayConfigReader.Read(configuration, []);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidDataException or GatewayConfigurationException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        if (string.IsNullOrWhiteSpace(gateway.Redis.Configuration))
        {
            await stderr.WriteLineAsync("error: Gateway:Redis:Configuration is not set: the revoke command writes to the fleet's Redis. Without Redis each instance keeps its own revocations in memory: use the /revocations endpoint on each instance's management listener (docs/revocation.md).").ConfigureAwait(false);
            return 1;
        }

        await using var connections = new RedisConnectionFactory(gateway.Redis.Configuration);
        var store = new RedisRevocationStore(connections, gateway.Redis.KeyPrefix, TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<RedisRevocationStore>.Instance);
        var unavailable = $"error: Redis ({gateway.Redis.KeyPrefix}revocations) could not be reached or refused the command; nothing was changed.";
        if (args.List)
        {
            var entries = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (entries is null)
            {
                await stderr.WriteLineAsync(unavailable).ConfigureAwait(false);
                return 1;
            }

            foreach (var entry in entries.OrderBy(e => e.CreatedAt))
            {
                await context.Stdout.WriteLineAsync(entry.Describe()).ConfigureAwait(false);
            }

            return 0;
        }

        var now = TimeProvider.System.GetUtcNow();
        if (args.Remove)
        {
            var issuerName = request!.Issuer is null ? null : gateway.Issuers.Keys.FirstOrDefault(k => string.Equals(k, request.Issuer, StringComparison.OrdinalIgnoreCase)) ?? request.Issuer;
            var removed = await store.RemoveAsync(new RevocationEntry(request.Kind, issuerName, request.Value, null, now, now).Id, cancellationToken).ConfigureAwait(false);
            if (removed is null)
            {
                await stderr.WriteLineAsync(unavailable).ConfigureAwait(false);
                return 1;
            }

            await (removed.Value ? context.Stdout : stderr).WriteLineAsync(removed.Value ? "removed" : "error: no such revocation").ConfigureAwait(false);
            return removed.Value ? 0 : 1;
        }

        var (created, error) = request!.ToEntry(gateway, now);
        if (created is null)
        {
            await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);
            return 1;
        }

        if (!await store.AddAsync(created, cancellationToken).ConfigureAwait(false))
        {
            await stderr.WriteLineAsync(unavailable).ConfigureAwait(false);
            return 1;
        }

        await context.Stdout.WriteLineAsync("revoked: " + created.Describe()).ConfigureAwait(false);
        return 0;
    }

    // The switches that make sense together; the configuration-dependent rules are the endpoint's (RevocationRequest).
    private static (RevocationRequest? Request, string? Usage) Validate(Arguments args)
    {
        if (args.List)
        {
            return args is { Jti: null, Sub: null, Sid: null, Remove: false, Before: null, Expires: null }
                ? (null, null)
                : (null, "--list takes no other switch");
        }

        var (request, error) = RevocationEndpoint.Selector(args.Jti, args.Sub, args.Sid, args.Issuer);
        if (request is null)
        {
            return (null, error + " (or --list); see revoke --help");
        }

        if (request.Kind == RevocationKind.Subject && args.Issuer is null)
        {
            return (null, "--sub needs --issuer (a sub is unique only within one issuer)");
        }

        if (args.Remove && (args.Before is not null || args.Expires is not null))
        {
            return (null, "--remove takes only --jti, --sub or --sid and --issuer");
        }

        if (!RevocationEndpoint.TryParseTime(args.Before, out var before))
        {
            return (null, $"--before '{args.Before}': use an ISO 8601 time (2026-12-01T10:00:00Z) or Unix seconds");
        }

        if (!RevocationEndpoint.TryParseTime(args.Expires, out var expires))
        {
            return (null, $"--expires '{args.Expires}': use an ISO 8601 time (2026-12-01T10:00:00Z) or Unix seconds");
        }

        return (request with { IssuedBefore = before, ExpiresAt = expires }, null);
    }
}
