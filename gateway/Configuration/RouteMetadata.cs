using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// The gateway's settings in a YARP route's <c>Metadata</c>, parsed in one place for the validator and the snapshot
/// builder, so what is checked is what is compiled. Keys are case-insensitive (<see cref="GatewayConfigReader"/>
/// binds the metadata so); values are taken as written and checked by the validator's route rules.
/// </summary>
/// <param name="Policy">The route's policy (<c>Metadata:Policy</c>); null: the default policy.</param>
/// <param name="ShadowPolicy">The route's shadow (dry-run) policy (<c>Metadata:ShadowPolicy</c>): evaluated and counted, never enforced.</param>
/// <param name="PassHeaders">The routing headers the route lets through (<c>Metadata:PassHeaders</c>); null when the key is absent.</param>
/// <param name="ClaimHeaders">The route's claim headers (<c>Metadata:ClaimHeader.{header}</c>), in the metadata's order.</param>
internal sealed record RouteMetadata(string? Policy, string? ShadowPolicy, string[]? PassHeaders, IReadOnlyList<RouteClaimHeader> ClaimHeaders)
{
    /// <summary>Route metadata key naming the route's policy.</summary>
    public const string PolicyKey = "Policy";

    /// <summary>Route metadata key naming the route's shadow (dry-run) policy.</summary>
    public const string ShadowPolicyKey = "ShadowPolicy";

    /// <summary>
    /// Route metadata key that lets named headers of <see cref="Forwarding.RoutingHeaders.Names"/> through on that route
    /// (comma-separated).
    /// </summary>
    public const string PassHeadersKey = "PassHeaders";

    /// <summary>Route metadata key prefix for per-route claim headers: <c>"ClaimHeader.X-Tenant": "org.tenant"</c>.</summary>
    public const string ClaimHeaderPrefix = "ClaimHeader.";

    private static readonly RouteMetadata None = new(null, null, null, []);

    public static RouteMetadata Read(RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (route.Metadata is not { } metadata)
        {
            return None;
        }

        var claimHeaders = new List<RouteClaimHeader>();
        foreach (var (key, claim) in metadata)
        {
            if (key.StartsWith(ClaimHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                claimHeaders.Add(new RouteClaimHeader(key, key[ClaimHeaderPrefix.Length..], claim));
            }
        }

        return new RouteMetadata(
            metadata.GetValueOrDefault(PolicyKey),
            metadata.GetValueOrDefault(ShadowPolicyKey),
            metadata.TryGetValue(PassHeadersKey, out var passed) ? ParsePassHeaders(passed) : null,
            claimHeaders);
    }

    /// <summary>The names in a <c>PassHeaders</c> value (comma-separated, trimmed, empty entries ignored).</summary>
    public static string[] ParsePassHeaders(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
