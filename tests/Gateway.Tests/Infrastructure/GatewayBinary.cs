using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The built gateway binary run as a process (<c>dotnet gateway/bin/{Configuration}/net10.0/Gateway.dll ARGS</c>),
/// as the README runs it: its exit code, stdout and stderr. Bounded: a process still running after the timeout is killed.
/// </summary>
public static class GatewayBinary
{
    public static string DllPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // tests/.../bin/{Configuration}/net10.0/
            var dll = RepositoryRoot.Combine("gateway", "bin", configuration, "net10.0", "Gateway.dll");
            Assert.True(File.Exists(dll), $"build the gateway first: {dll} is missing");
            return dll;
        }
    }

    /// <summary>Runs the binary with <paramref name="args"/>; the environment has no ASPNETCORE_/DOTNET_ENVIRONMENT or GATEWAY_CONFIG unless <paramref name="environment"/> sets them.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "GATEWAY_CONFIG", "ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Gateway {string.Join(' ', args)} did not exit:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
