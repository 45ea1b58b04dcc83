using Gateway.Keys;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>Reads, validates and compiles a configuration: either a snapshot or every error found.</summary>
public sealed class GatewayConfigLoader
{
    private readonly GatewayConfigValidator _validator;
    private readonly string _environmentName;

    public GatewayConfigLoader(IConfigValidator? proxyValidator, string environmentName)
    {
        _validator = new GatewayConfigValidator(proxyValidator);
        _environmentName = environmentName;
    }

    /// <summary>Validates without compiling (used by <c>check-config</c>).</summary>
    public async Task<List<ConfigError>> ValidateAsync(IConfiguration configuration)
    {
        var errors = new List<ConfigError>();
        var (gateway, proxy) = GatewayConfigReader.Read(configuration, errors);
        errors.AddRange(await _validator.ValidateAsync(gateway, proxy, _environmentName).ConfigureAwait(false));
        return errors;
    }

    public async Task<(GatewaySnapshot? Snapshot, List<ConfigError> Errors)> LoadAsync(IConfiguration configuration, KeyManagerPool keys)
    {
        var errors = new List<ConfigError>();
        var (gateway, proxy) = GatewayConfigReader.Read(configuration, errors);
        errors.AddRange(await _validator.ValidateAsync(gateway, proxy, _environmentName).ConfigureAwait(false));
        return errors.Count > 0 ? (null, errors) : (GatewaySnapshotBuilder.Build(gateway, proxy, keys), errors);
    }
}
