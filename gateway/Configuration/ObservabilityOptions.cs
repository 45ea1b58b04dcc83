namespace Gateway.Configuration;

/// <summary>Logs, access log and metrics scraping (<c>Gateway:Observability</c>). Traces and OTLP export follow the standard <c>OTEL_*</c> variables.</summary>
internal sealed record ObservabilityOptions
{
    /// <summary>One Information line per request on a proxied route (event id 5000). Default false. Hot-reloadable.</summary>
    public bool AccessLog { get; init; }

    /// <summary>
    /// Whether the token's <c>sub</c> claim is written to the access log and to the request's span
    /// (<c>enduser.id</c>). Personal data: default false. No other claim value is ever recorded. Hot-reloadable.
    /// </summary>
    public bool IncludeSubject { get; init; }

    /// <summary>Console log format: <c>Simple</c> (default) or <c>Json</c> (one JSON object per line). Read at startup only.</summary>
    public ConsoleLogFormat ConsoleFormat { get; init; } = ConsoleLogFormat.Simple;

    /// <summary>The Prometheus scrape endpoint. Read at startup only.</summary>
    public PrometheusOptions Prometheus { get; init; } = new();
}

internal enum ConsoleLogFormat
{
    Simple,
    Json,
}

internal sealed record PrometheusOptions
{
    /// <summary>Serves the metrics in Prometheus text format. Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary>Path of the scrape endpoint (a management endpoint: never proxied). Default <c>/metrics</c>.</summary>
    public string Path { get; init; } = "/metrics";
}
