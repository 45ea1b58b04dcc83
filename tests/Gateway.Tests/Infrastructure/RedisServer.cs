using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, started for the tests and stopped by PID.
/// Fails loudly when redis-server is not installed: tests/run.sh installs it.
/// </summary>
/// <remarks>
/// A free port is only free until someone binds it: another test's server may take it between the choice and this
/// server's bind. So the server counts as started only once it reported its own listener on its output (never because
/// something answered on the port), and a port this class chose is chosen again when the server could not bind it.
/// </remarks>
public sealed class RedisServer : IDisposable
{
    private readonly string _binary;
    private readonly string _directory;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly string? _configFile;
    private readonly List<string> _output = [];
    private Process _process;

    /// <param name="extraArguments">Appended after the defaults; a later directive wins (e.g. <c>--port 0 --tls-port P</c>).</param>
    /// <param name="binaryName"><c>redis-server</c>, or <c>redis-sentinel</c> with <paramref name="configFileContent"/>.</param>
    /// <param name="configFileContent">Written to a config file in the server's directory and passed first (Sentinel rewrites it).</param>
    public RedisServer(int? port = null, bool start = true, IReadOnlyList<string>? extraArguments = null, string binaryName = "redis-server", string? configFileContent = null)
    {
        _binary = FindBinary(binaryName) ?? throw new InvalidOperationException(
            $"{binaryName} is not installed. Run tests/run.sh (it installs it with apt-get) or 'apt-get install -y {binaryName}'.");
        Port = port ?? FreePort.Next();
        _extraArguments = extraArguments ?? [];
        _directory = Directory.CreateTempSubdirectory("gateway-redis-").FullName;
        if (configFileContent is not null)
        {
            _configFile = Path.Combine(_directory, "redis.conf");
            File.WriteAllText(_configFile, configFileContent);
        }

        _process = start ? StartProcess(mayChooseAnotherPort: port is null) : null!;
    }

    /// <summary>The server's working directory (certificates, config files).</summary>
    public string WorkingDirectory => _directory;

    /// <summary>Starts the server again on the same port (after <see cref="Stop"/>, or when created with start: false).</summary>
    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        _process?.Dispose();
        _process = StartProcess(mayChooseAnotherPort: false); // the tests already hold its address
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

    private Process StartProcess(bool mayChooseAnotherPort)
    {
        for (var attempt = 1; ; attempt++)
        {
            var process = Launch();
            var failure = WaitUntilListening(process);
            if (failure is null)
            {
                return process;
            }

            process.Dispose();
            if (!(mayChooseAnotherPort && attempt < 5 && failure.Contains("Address already in use", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"{Path.GetFileName(_binary)} did not start on port {Port}: {failure}");
            }

            Port = FreePort.Next(); // someone took the port between the choice and the bind
        }
    }

    private Process Launch()
    {
        lock (_output)
        {
            _output.Clear();
        }

        var start = new ProcessStartInfo(_binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (_configFile is not null)
        {
            start.ArgumentList.Add(_configFile);
        }

        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory }.Concat(_extraArguments))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    public int Port { get; private set; }

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

    /// <summary>Waits (bounded) until the server reports its listener; null then, else why it did not start.</summary>
    /// <remarks>
    /// redis-server logs "Ready to accept connections" and redis-sentinel "Sentinel ID is" only after binding its
    /// listeners; a bind failure ends the process with "Address already in use".
    /// </remarks>
    private string? WaitUntilListening(Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            string[] lines;
            lock (_output)
            {
                lines = [.. _output];
            }

            if (lines.Any(l => l.Contains("Ready to accept connections", StringComparison.Ordinal) || l.Contains("Sentinel ID is", StringComparison.Ordinal)))
            {
                return null;
            }

            if (process.HasExited)
            {
                process.WaitForExit(); // the last lines of its output
                lock (_output)
                {
                    return "exited at start: " + string.Join('\n', _output);
                }
            }

            Thread.Sleep(20);
        }

        process.Kill();
        process.WaitForExit(5000);
        lock (_output)
        {
            return "no listener reported within 10 s: " + string.Join('\n', _output);
        }
    }

    private static string? FindBinary(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(directory, name);
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
