namespace Gateway.Configuration;

/// <summary>
/// The settings the process applies once, at startup (<see cref="Gateway.Hosting.GatewayStartupSettings"/>): the Redis
/// connection, the backchannel's trust, Kestrel's limits and client certificate check, the DPoP replay cache's size, the
/// revocation resync, the management listener and drain, the console log format and Prometheus endpoint, switching the
/// dashboard on, the demo downstream. A reload that changes one of them is refused with its path, like any invalid
/// configuration, and the running configuration stays: accepted, the reload would claim a setting (a lower body limit,
/// another Redis) that the running process does not enforce — a configuration weaker than what it says.
/// </summary>
internal static class StartupOnlySettings
{
    private const string Message = "is read at startup only: restart the gateway to change it (the running configuration stays)";

    // Each setting with its path; the values are compared, never printed (some are secrets).
    private static readonly (string Path, Func<GatewayOptions, object?> Read)[] Settings =
    [
        ("Gateway:Redis:Configuration", o => o.Redis.Configuration),
        ("Gateway:Redis:KeyPrefix", o => o.Redis.KeyPrefix),
        ("Gateway:Redis:IntegrityKey", o => o.Redis.IntegrityKey),
        ("Gateway:Redis:OperationTimeout", o => o.Redis.OperationTimeout),
        ("Gateway:Redis:RateLimitTimeout", o => o.Redis.RateLimitTimeout),
        ("Gateway:Redis:CaCertificatePath", o => o.Redis.CaCertificatePath),
        ("Gateway:Redis:ClientCertificatePath", o => o.Redis.ClientCertificatePath),
        ("Gateway:Redis:ClientKeyPath", o => o.Redis.ClientKeyPath),
        ("Gateway:Backchannel:CaBundlePath", o => o.Backchannel.CaBundlePath),
        ("Gateway:Limits:MaxRequestHeadersTotalSize", o => o.Limits.MaxRequestHeadersTotalSize),
        ("Gateway:Limits:MaxRequestHeaderCount", o => o.Limits.MaxRequestHeaderCount),
        ("Gateway:Limits:MaxRequestLineSize", o => o.Limits.MaxRequestLineSize),
        ("Gateway:Limits:MaxRequestBodySize", o => o.Limits.MaxRequestBodySize),
        ("Gateway:Limits:RequestHeadersTimeout", o => o.Limits.RequestHeadersTimeout),
        ("Gateway:Limits:KeepAliveTimeout", o => o.Limits.KeepAliveTimeout),
        ("Gateway:Limits:MinRequestBodyDataRate", o => o.Limits.MinRequestBodyDataRate),
        ("Gateway:Limits:MaxConcurrentConnections", o => o.Limits.MaxConcurrentConnections),
        ("Gateway:CertificateBinding:ValidateClientCertificateChain", o => o.CertificateBinding.ValidateClientCertificateChain),
        ("Gateway:Dpop:ReplayCacheMaxEntries", o => o.Dpop.ReplayCacheMaxEntries),
        ("Gateway:Revocation:ResyncInterval", o => o.Revocation.ResyncInterval),
        ("Gateway:Management:Url", o => o.Management.Url),
        ("Gateway:Management:DrainTimeout", o => o.Management.DrainTimeout),
        ("Gateway:Management:ShutdownDelay", o => o.Management.ShutdownDelay),
        ("Gateway:Observability:ConsoleFormat", o => o.Observability.ConsoleFormat),
        ("Gateway:Observability:Prometheus:Enabled", o => o.Observability.Prometheus.Enabled),
        ("Gateway:Observability:Prometheus:Path", o => o.Observability.Prometheus.Path),
        ("Gateway:Development:DemoDownstreamUrl", o => o.Development.DemoDownstreamUrl),
    ];

    /// <summary>The paths of the startup-only settings (besides <c>Gateway:Diagnostics:Dashboard:Enabled</c>, which may be switched off).</summary>
    public static IEnumerable<string> Paths => Settings.Select(s => s.Path);

    /// <summary>The startup-only settings that <paramref name="reloaded"/> changes from the ones the process started with.</summary>
    public static IEnumerable<ConfigError> ChangedBy(GatewayOptions startup, GatewayOptions reloaded)
    {
        ArgumentNullException.ThrowIfNull(startup);
        ArgumentNullException.ThrowIfNull(reloaded);
        foreach (var (path, read) in Settings)
        {
            if (!Equals(read(startup), read(reloaded)))
            {
                yield return new ConfigError(path, Message);
            }
        }

        // Whether the dashboard is served is decided at startup; switching it off (and its key) follow reloads.
        if (!startup.Diagnostics.Dashboard.Enabled && reloaded.Diagnostics.Dashboard.Enabled)
        {
            yield return new ConfigError("Gateway:Diagnostics:Dashboard:Enabled", "switching the dashboard on " + Message + "; switching it off applies on reload");
        }
    }
}
