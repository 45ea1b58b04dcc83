namespace Gateway.Configuration;

/// <summary>Thrown at startup when the configuration is invalid; the message lists every error.</summary>
internal sealed class GatewayConfigurationException : Exception
{
    public GatewayConfigurationException(IReadOnlyList<ConfigError> errors)
        : base("Invalid gateway configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    /// <summary>As above, the message also naming the environment and the files read.</summary>
    public GatewayConfigurationException(IReadOnlyList<ConfigError> errors, ConfigOrigin origin)
        : base($"Invalid gateway configuration ({origin}):" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
        Origin = origin;
    }

    public GatewayConfigurationException()
        : this([])
    {
    }

    public GatewayConfigurationException(string message)
        : base(message)
    {
        Errors = [];
    }

    public GatewayConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigError> Errors { get; }

    public ConfigOrigin? Origin { get; }
}
