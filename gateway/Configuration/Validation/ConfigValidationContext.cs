namespace Gateway.Configuration.Validation;

/// <summary>
/// What every rule reads (the bound configuration and the environment) and where it reports: one instance per
/// validation, so a rule holds no state of its own and the same rule objects serve every load and reload.
/// </summary>
internal sealed class ConfigValidationContext
{
    private readonly List<ConfigError> _errors;

    public ConfigValidationContext(GatewayOptions gateway, ProxySection proxy, bool isDevelopment, List<ConfigError> errors)
    {
        Gateway = gateway;
        Proxy = proxy;
        IsDevelopment = isDevelopment;
        _errors = errors;
    }

    public GatewayOptions Gateway { get; }

    public ProxySection Proxy { get; }

    /// <summary>Whether the configuration is loaded in the Development environment (some settings are refused elsewhere).</summary>
    public bool IsDevelopment { get; }

    /// <summary>The errors so far, in the order they were found.</summary>
    public List<ConfigError> Errors => _errors;

    /// <summary>Reports one problem at its exact configuration path (e.g. <c>Gateway:Policies:admin:Roles:0</c>).</summary>
    public void Add(string path, string message) => _errors.Add(new ConfigError(path, message));
}
