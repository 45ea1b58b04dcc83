using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>YARP's standard <c>ReverseProxy</c> section, read with the same shape YARP's own loader expects.</summary>
internal sealed record ProxySection(IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters)
{
    public const string SectionName = "ReverseProxy";
}
