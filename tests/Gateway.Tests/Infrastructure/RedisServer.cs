using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, started for the tests and stopped by PID.
/// Fails loudly when redis-server is not installed: tests/run.sh installs it.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _binary;
    private readonly string _directory;
    private Process _process;

    public RedisServer(int? port = null, bool start = true)
    {
        _binary = FindBinary() ?? throw new InvalidOperationException(
            "redis-server is not installed. Run tests/run.sh (it installs it with apt-get) or 'apt-get install -y redis-server'.");
        Port = port ?? FreePort.Next();
        _directory = Directory.CreateTempSubdirectory("gateway-redis-").FullName;
        _process = start ? StartProcess() : null!;
    }

    /// <summary>Starts the server again on the same port (after <see cref="Stop"/>, or when created with start: false).</summary>
    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        _process?.Dispose();
        _process = StartProcess();
    }

    /// <summary>Kills the server (SIGKILL), as a crash would.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    private Process StartProcess()
    {
        var start = new ProcessStartInfo(_binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        WaitUntilListening(process);
        return process;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Sends one command in RESP over a plain socket (e.g. DEBUG SLEEP to make Redis slow) without waiting for its answer.</summary>
    public void SendRaw(params string[] command)
    {
        using var client = new TcpClient();
        client.Connect("127.0.0.1", Port);
        var text = new System.Text.StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var part in command)
        {
            text.Append('$').Append(System.Text.Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        client.GetStream().Write(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        Thread.Sleep(50); // let the server read it before the socket closes
    }

    private void WaitUntilListening(Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start: {process.StandardError.ReadToEnd()}");
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
            Stop();
        }
        finally
        {
            _process?.Dispose();
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
