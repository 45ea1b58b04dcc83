using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Gateway.Configuration;

/// <summary>
/// Which configuration a verdict is about: the environment (it decides which rules apply and which
/// <c>gateway.{Environment}.json</c> is read) and the files read. Every "invalid configuration" message names
/// both: at startup, on a rejected reload and in <c>check-config</c>'s output.
/// </summary>
internal sealed record ConfigOrigin(string EnvironmentName, IReadOnlyList<string> Files)
{
    public static ConfigOrigin Of(IConfiguration configuration, string environmentName) => new(environmentName, FilesOf(configuration));

    /// <summary>The JSON files behind a configuration, in the order they are layered.</summary>
    public static IReadOnlyList<string> FilesOf(IConfiguration configuration) =>
        (configuration as IConfigurationRoot)?.Providers.OfType<JsonConfigurationProvider>()
            .Select(p => p.Source.FileProvider?.GetFileInfo(p.Source.Path ?? "").PhysicalPath)
            .OfType<string>()
            .ToList() ?? [];

    public override string ToString() => $"environment: {EnvironmentName}; files: {(Files.Count == 0 ? "none" : string.Join(", ", Files))}";
}
