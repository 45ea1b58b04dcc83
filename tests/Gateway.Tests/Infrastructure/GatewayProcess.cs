using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The built gateway (<c>dotnet gateway/bin/{Configuration}/net10.0/Gateway.dll</c>) as a child process on a loopback
/// port, its console output captured line by line: for what only the real process shows (console log formats, SIGTERM
/// and the exit code). Started ready (bounded), killed by its own handle in <see cref="DisposeAsync"/>.
/// </summary>
/// <remarks>
/// The process binds port 0 and the address is read from its own "Now listening on:" line: a port chosen here and bound
/// there could be taken by another test in between.
/// </remarks>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly List<string> _lines = [];

    private GatewayProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    /// <summary>The port the process bound (known once it started).</summary>
    public int Port { get; private set; }

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Everything written to stdout and stderr so far, one line each.</summary>
    public string Output => string.Join('\n', Lines);

    /// <summary>Every line written to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public static async Task<GatewayProcess> StartAsync(JsonObject config, string environment = "Production", params string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-process-").FullName;
        var file = Path.Combine(directory, "gateway.json");
        await File.WriteAllTextAsync(file, config.ToJsonString());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var arg in new[] { GatewayBinary.DllPath, "--config", file, "--environment", environment, "--urls", "http://127.0.0.1:0" }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "GATEWAY_CONFIG", "ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start)!;
        var gateway = new GatewayProcess(process, directory);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited && gateway.ListeningPort() is null)
        {
            await Task.Delay(20);
        }

        if (gateway.ListeningPort() is { } port)
        {
            gateway.Port = port;
            gateway.Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        }

        while (DateTime.UtcNow < deadline && !process.HasExited && gateway.Port != 0)
        {
            try
            {
                using var ready = await gateway.Client.GetAsync("/healthz/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        var output = gateway.Output;
        await gateway.DisposeAsync();
        throw new TimeoutException("the gateway process did not become ready:\n" + output);
    }

    /// <summary>The port of the first "Now listening on: http://127.0.0.1:PORT" line (ASP.NET Core's own, in any log format).</summary>
    private int? ListeningPort()
    {
        foreach (var line in Lines)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningLine();

    /// <summary>Waits (bounded) for an output line matching <paramref name="match"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no matching output line; output:\n" + string.Join('\n', Lines));
    }

    /// <summary>Sends SIGTERM, as Kubernetes does (Process.Kill would be SIGKILL).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(kill.WaitForExit(5000), "kill did not return");
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits (bounded) for the process to exit; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the gateway process did not exit within {timeout}:\n{Output}");
        }

        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        Client?.Dispose(); // null when the process never reported its address
        if (!_process.HasExited)
        {
            _process.Kill(); // only our own child, by its handle
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    /// <summary>Parses a JSON console log line, or null when the line is not one.</summary>
    public static JsonElement? ParseJsonLine(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(Encoding.UTF8.GetBytes(line)).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
