using System.Reflection;

namespace Gateway.Hosting;

/// <summary>
/// The hosting environment: <c>ASPNETCORE_ENVIRONMENT</c>, else <c>DOTNET_ENVIRONMENT</c>, else the
/// build's default (Development for a Debug build such as <c>dotnet run</c>, Production for a Release build).
/// A launch profile is deliberately not used: <c>dotnet run</c> prints its name on stdout, which
/// would break <c>TOKEN=$(dotnet run --project gateway -- token)</c>.
/// </summary>
internal static class GatewayEnvironment
{
    public static string Name =>
        NonEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"))
        ?? NonEmpty(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"))
        ?? BuildDefault
        ?? "Production";

    private static string? BuildDefault => typeof(GatewayEnvironment).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "GatewayDefaultEnvironment")?.Value;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
