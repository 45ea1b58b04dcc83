using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration;

internal static partial class GatewayConfigReader
{
    private const string VersionKey = "HttpRequest:Version";

    /// <summary>
    /// YARP's own loader reads a cluster's <c>HttpRequest:Version</c> as written in its documentation, <c>"2"</c> or
    /// <c>"3"</c> (it appends <c>.0</c> when there is no dot), while the configuration binder's <see cref="Version"/>
    /// converter accepts only <c>"2.0"</c>. The cluster is bound from a copy of its section with that one value
    /// completed, under the same paths, so errors still name the file's keys; any other value is bound unchanged.
    /// </summary>
    private static IConfigurationSection WithYarpVersion(IConfigurationSection cluster)
    {
        var version = cluster[VersionKey];
        if (version is null || version.Contains('.', StringComparison.Ordinal) || !int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            return cluster;
        }

        var values = cluster.AsEnumerable().ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        values[ConfigurationPath.Combine(cluster.Path, VersionKey)] = version + ".0";
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(cluster.Path);
    }
}
