using Gateway.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// The settings the process reads once, at startup, and keeps until it stops (a change needs a restart): the Redis
/// connection, the backchannel's trust, Kestrel's limits and client certificate checks, the DPoP replay cache's size,
/// revocation, the management listener and shutdown, telemetry, the dashboard, the demo downstream. Read from the whole
/// configuration after it validated (<see cref="LoadAsync"/>), so every registration receives the same values, never a
/// value of its own reading; everything else follows the active snapshot and its reloads.
/// </summary>
internal sealed record GatewayStartupSettings
{
    /// <summary>The hosting environment whose rules the configuration was validated under.</summary>
    public required string EnvironmentName { get; init; }

    /// <summary><c>Gateway:Redis</c>: the fleet's shared store (keys, revocation, rate limits, DPoP replay, introspection).</summary>
    public required RedisOptions Redis { get; init; }

    /// <summary><c>Gateway:Backchannel</c>: the identity provider backchannel's TLS trust.</summary>
    public required BackchannelOptions Backchannel { get; init; }

    /// <summary><c>Gateway:Limits</c>: Kestrel's limits (the token limits follow the snapshot).</summary>
    public required LimitOptions Limits { get; init; }

    /// <summary><c>Gateway:CertificateBinding</c>: whether Kestrel checks a client certificate's chain.</summary>
    public required CertificateBindingOptions CertificateBinding { get; init; }

    /// <summary><c>Gateway:Dpop</c>: the size of the replay cache (the proof rules follow the snapshot).</summary>
    public required DpopOptions Dpop { get; init; }

    /// <summary><c>Gateway:Revocation</c>.</summary>
    public required RevocationOptions Revocation { get; init; }

    /// <summary><c>Gateway:Management</c>: the management listener, the shutdown delay and the drain.</summary>
    public required ManagementOptions Management { get; init; }

    /// <summary><c>Gateway:Observability</c>: the console log format, exporters and the Prometheus endpoint.</summary>
    public required ObservabilityOptions Observability { get; init; }

    /// <summary><c>Gateway:Diagnostics</c>: whether the dashboard is served at all.</summary>
    public required DiagnosticsOptions Diagnostics { get; init; }

    /// <summary><c>Gateway:Development</c>: the demo downstream (Development only).</summary>
    public required DevelopmentOptions Development { get; init; }

    /// <summary>The public listener(s) as the host has them: <c>Urls</c>, else <c>HTTP_PORTS</c> (null when neither is set).</summary>
    public string? ServerUrls { get; init; }

    /// <summary><c>HTTP_PORTS</c>, as the host reads it.</summary>
    public string? HttpPorts { get; init; }

    /// <summary>ASP.NET Core's <c>ShutdownTimeoutSeconds</c>, which the gateway's drain timeout overrides (said so at startup).</summary>
    public string? IgnoredShutdownTimeout { get; init; }

    /// <summary>Whether Redis is configured (<c>Gateway:Redis:Configuration</c>).</summary>
    public bool UsesRedis => !string.IsNullOrWhiteSpace(Redis.Configuration);

    /// <summary>
    /// Validates the whole configuration (the same check as <c>check-config</c>) and reads the startup settings from it.
    /// </summary>
    /// <exception cref="GatewayConfigurationException">The configuration is invalid: every error, with its path.</exception>
    public static async Task<GatewayStartupSettings> LoadAsync(IConfiguration configuration, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var (options, errors) = await GatewayConfigCheck.ReadAsync(configuration, environmentName).ConfigureAwait(false);
        if (options is null)
        {
            throw new GatewayConfigurationException(errors, ConfigOrigin.Of(configuration, environmentName));
        }

        return From(options, environmentName) with
        {
            ServerUrls = configuration[WebHostDefaults.ServerUrlsKey],
            HttpPorts = configuration["HTTP_PORTS"],
            IgnoredShutdownTimeout = configuration[WebHostDefaults.ShutdownTimeoutKey],
        };
    }

    /// <summary>The startup settings of a validated configuration.</summary>
    public static GatewayStartupSettings From(GatewayOptions options, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new GatewayStartupSettings
        {
            EnvironmentName = environmentName,
            Redis = options.Redis,
            Backchannel = options.Backchannel,
            Limits = options.Limits,
            CertificateBinding = options.CertificateBinding,
            Dpop = options.Dpop,
            Revocation = options.Revocation,
            Management = options.Management,
            Observability = options.Observability,
            Diagnostics = options.Diagnostics,
            Development = options.Development,
        };
    }
}
