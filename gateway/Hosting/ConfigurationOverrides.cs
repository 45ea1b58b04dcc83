namespace Gateway.Hosting;

/// <summary>
/// Configuration overrides on the command line, in ASP.NET Core's form: <c>--Section:Key=value</c> or
/// <c>--Section:Key value</c> (any key with a <c>:</c>, e.g. <c>--Gateway:Limits:MaxTokenLength=4096</c>), and the
/// OpenTelemetry keys (<c>--OTEL_EXPORTER_OTLP_ENDPOINT=...</c>). They are set aside before the switches are
/// parsed; every other <c>--name</c> must be a switch of the command, so a misspelt one (<c>--url</c>) is an
/// error instead of a configuration key nobody reads.
/// </summary>
internal sealed record ConfigurationOverrides(IReadOnlyList<string> Overrides, IReadOnlyList<string> Rest, IReadOnlyList<string> Errors)
{
    public static ConfigurationOverrides Split(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var overrides = new List<string>();
        var rest = new List<string>();
        var errors = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..].Split('=', 2)[0] : null;
            if (name is null || !IsConfigurationKey(name))
            {
                rest.Add(arg);
            }
            else if (arg.Contains('=', StringComparison.Ordinal))
            {
                overrides.Add(arg);
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                overrides.Add(arg);
                overrides.Add(args[++i]);
            }
            else
            {
                errors.Add($"the configuration override {arg} needs a value ({arg}=VALUE or {arg} VALUE)");
            }
        }

        return new(overrides, rest, errors);
    }

    /// <summary>A configuration path (<c>Gateway:Limits:MaxTokenLength</c>) or an OpenTelemetry setting (<c>OTEL_SERVICE_NAME</c>).</summary>
    public static bool IsConfigurationKey(string name) =>
        name.Length > 0
        && ((name.Contains(':', StringComparison.Ordinal) && name[0] != ':' && name[^1] != ':')
            || name.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase));
}
