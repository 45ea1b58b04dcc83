namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    /// <summary>Paths of the health endpoints (management endpoints: never proxied).</summary>
    public const string LivenessPath = "/healthz/live";

    public const string ReadinessPath = "/healthz/ready";

    private static void ValidateOperations(ObservabilityOptions observability, ManagementOptions management, List<ConfigError> errors)
    {
        var metricsPath = observability.Prometheus.Path;
        if (string.IsNullOrEmpty(metricsPath) || metricsPath[0] != '/' || metricsPath.Length > 128
            || metricsPath.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '?' or '#' or '{' or '}' or '*'))
        {
            errors.Add(new("Gateway:Observability:Prometheus:Path", $"'{metricsPath}' is not a literal path: it starts with '/' and has no spaces, '?', '#', '{{', '}}' or '*'"));
        }
        else if (string.Equals(metricsPath, LivenessPath, StringComparison.OrdinalIgnoreCase) || string.Equals(metricsPath, ReadinessPath, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new("Gateway:Observability:Prometheus:Path", $"'{metricsPath}' is a health endpoint"));
        }

        if (management.Url is { } url && ManagementUrl.TryParse(url) is null)
        {
            errors.Add(new("Gateway:Management:Url", $"'{url}' is not an http URL with an explicit port and no path, e.g. http://0.0.0.0:9090"));
        }

        if (management.DrainTimeout <= TimeSpan.Zero || management.DrainTimeout > TimeSpan.FromHours(1))
        {
            errors.Add(new("Gateway:Management:DrainTimeout", "must be between 00:00:00.001 and 01:00:00"));
        }

        if (management.ShutdownDelay < TimeSpan.Zero || management.ShutdownDelay >= management.DrainTimeout)
        {
            errors.Add(new("Gateway:Management:ShutdownDelay", "must be zero or positive and smaller than DrainTimeout (the delay is part of the drain time)"));
        }
    }
}
