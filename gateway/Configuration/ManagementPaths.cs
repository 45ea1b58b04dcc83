namespace Gateway.Configuration;

/// <summary>
/// The paths of the gateway's own endpoints. The health endpoints are answered on every listener before routing and
/// are never proxied; the revocation endpoint only on the management listener.
/// </summary>
internal static class ManagementPaths
{
    public const string Liveness = "/healthz/live";

    public const string Readiness = "/healthz/ready";

    /// <summary>The revocation endpoint (management listener only).</summary>
    public const string Revocations = "/revocations";

    /// <summary>Whether <paramref name="path"/> is a health endpoint (compared case-insensitively, as requests are).</summary>
    public static bool IsHealth(string? path) =>
        string.Equals(path, Liveness, StringComparison.OrdinalIgnoreCase) || string.Equals(path, Readiness, StringComparison.OrdinalIgnoreCase);
}
