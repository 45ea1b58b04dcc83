namespace Gateway.Configuration.Validation;

/// <summary>
/// The operator's endpoints and shutdown: the Prometheus path (<c>Gateway:Observability:Prometheus:Path</c>), the
/// management listener (<c>Gateway:Management:Url</c>) and the drain on SIGTERM.
/// </summary>
internal sealed class OperationsRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var management = context.Gateway.Management;
        var metricsPath = context.Gateway.Observability.Prometheus.Path;
        if (string.IsNullOrEmpty(metricsPath) || metricsPath[0] != '/' || metricsPath.Length > 128
            || metricsPath.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '?' or '#' or '{' or '}' or '*'))
        {
            context.Add("Gateway:Observability:Prometheus:Path", $"'{metricsPath}' is not a literal path: it starts with '/' and has no spaces, '?', '#', '{{', '}}' or '*'");
        }
        else if (ManagementPaths.IsHealth(metricsPath))
        {
            context.Add("Gateway:Observability:Prometheus:Path", $"'{metricsPath}' is a health endpoint");
        }

        if (management.Url is { } url && ManagementUrl.TryParse(url) is null)
        {
            context.Add("Gateway:Management:Url", $"'{url}' is not an http URL with an explicit port and no path, e.g. http://0.0.0.0:9090");
        }

        if (management.DrainTimeout <= TimeSpan.Zero || management.DrainTimeout > TimeSpan.FromHours(1))
        {
            context.Add("Gateway:Management:DrainTimeout", "must be between 00:00:00.001 and 01:00:00");
        }

        if (management.ShutdownDelay < TimeSpan.Zero || management.ShutdownDelay >= management.DrainTimeout)
        {
            context.Add("Gateway:Management:ShutdownDelay", "must be zero or positive and smaller than DrainTimeout (the delay is part of the drain time)");
        }
    }
}
