using Gateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// Validates a whole configuration before anything reads it: <c>check-config</c> and the gateway's startup
/// call this same method on the same layers, so a configuration that passes one passes the other. It runs
/// before the host is built because the host reads some settings (log levels) while it is built, and would
/// otherwise die on them with a stack trace instead of reporting every error with its path.
/// </summary>
internal static class GatewayConfigCheck
{
    // YARP's validator needs YARP's services; one throwaway container provides them without starting anything.
    // (A bare service collection: a host builder would read appsettings.json from the working directory.)
    private static readonly Lazy<IConfigValidator> ProxyValidator = new(() =>
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddReverseProxy();
        return services.BuildServiceProvider().GetRequiredService<IConfigValidator>();
    });

    public static Task<List<ConfigError>> ValidateAsync(IConfiguration configuration, string environmentName) =>
        new GatewayConfigLoader(ProxyValidator.Value, environmentName).ValidateAsync(configuration);

    /// <summary>The same check, keeping what it read: the gateway's options when valid, else every error.</summary>
    public static async Task<(GatewayOptions? Options, List<ConfigError> Errors)> ReadAsync(IConfiguration configuration, string environmentName)
    {
        var (options, _, errors) = await new GatewayConfigLoader(ProxyValidator.Value, environmentName).ReadAsync(configuration).ConfigureAwait(false);
        return (options, errors);
    }
}
