using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, started for the tests and stopped by PID.
/// Fails loudly when redis-server is not installed: tests/run.sh installs it.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    public RedisServer()
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(
            "redis-server is not installed. Run tests/run.sh (it installs it with apt-get) or 'apt-get install -y redis-server'.");
        Port = FreePort.Next();
        _directory = Directory.CreateTempSubdirectory("gateway-redis-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public int ProcessId => _process.Id;

    public bool IsRunning => !_process.HasExited;

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start: {_process.StandardError.ReadToEnd()}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {Port} within 10 s");
    }

    private static string? FindBinary()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
