using Gateway.Configuration.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>Reads, validates and compiles a configuration: either a snapshot or every error found.</summary>
internal sealed class GatewayConfigLoader
{
    private readonly GatewayConfigValidator _validator;
    private readonly string _environmentName;

    public GatewayConfigLoader(IConfigValidator? proxyValidator, string environmentName)
    {
        _validator = new GatewayConfigValidator(proxyValidator);
        _environmentName = environmentName;
    }

    /// <summary>The environment whose rules apply (Development allows the development issuer, ...).</summary>
    public string EnvironmentName => _environmentName;

    /// <summary>Validates without compiling (used by <c>check-config</c>).</summary>
    public async Task<List<ConfigError>> ValidateAsync(IConfiguration configuration) =>
        (await ReadAndValidateAsync(configuration).ConfigureAwait(false)).Errors;

    /// <summary>
    /// Reads and validates a configuration: its gateway and proxy sections, or every error found (never both). What
    /// startup and reload compile into a snapshot (<see cref="GatewaySnapshotManager"/>).
    /// </summary>
    public async Task<(GatewayOptions? Gateway, ProxySection? Proxy, List<ConfigError> Errors)> ReadAsync(IConfiguration configuration)
    {
        var (gateway, proxy, errors) = await ReadAndValidateAsync(configuration).ConfigureAwait(false);
        return errors.Count > 0 ? (null, null, errors) : (gateway, proxy, errors);
    }

    // The one path check-config, startup and reload share: the shape (schema) first, then binding and the rules.
    private async Task<(GatewayOptions? Gateway, ProxySection? Proxy, List<ConfigError> Errors)> ReadAndValidateAsync(IConfiguration configuration)
    {
        // A file that no longer parses reaches here as an empty file: report the file, not what its absence implies.
        var errors = UnreadableFiles(configuration);
        if (errors.Count > 0)
        {
            return (null, null, errors);
        }

        var shapeErrors = ConfigShapeCheck.Check(configuration);
        var ruleErrors = new List<ConfigError>();
        var (gateway, proxy) = GatewayConfigReader.Read(configuration, ruleErrors);
        try
        {
            ruleErrors.AddRange(Rules.ConfigurationRules.Check(configuration, _environmentName));
            ruleErrors.AddRange(await _validator.ValidateAsync(gateway, proxy, _environmentName).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // values of the wrong shape (a null list item) may trip a rule: the shape errors already say why
        catch (Exception) when (shapeErrors.Count > 0)
#pragma warning restore CA1031
        {
        }

        // Every error is reported; a rule's error that is only a consequence of a shape error (a requirement the
        // binder dropped, seen from the policy) is left out.
        errors = shapeErrors;
        errors.AddRange(ruleErrors.Where(rule => !shapeErrors.Any(shape => ConfigShapeCheck.Related(shape.Path, rule.Path))));
        return (gateway, proxy, errors);
    }

    private static List<ConfigError> UnreadableFiles(IConfiguration configuration)
    {
        var errors = new List<ConfigError>();
        foreach (var provider in (configuration as IConfigurationRoot)?.Providers.OfType<JsonConfigurationProvider>() ?? [])
        {
            var path = provider.Source.FileProvider?.GetFileInfo(provider.Source.Path ?? "").PhysicalPath;
            if (path is null || (provider.Source.Optional && !File.Exists(path)))
            {
                continue;
            }

            try
            {
                using var stream = File.OpenRead(path);
                using var parser = new JsonConfigurationProvider(new JsonConfigurationSource());
                parser.Load(stream);
            }
            catch (FormatException ex)
            {
                errors.Add(new ConfigError(path, ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message));
            }
            catch (IOException ex)
            {
                errors.Add(new ConfigError(path, ex.Message));
            }
        }

        return errors;
    }
}
