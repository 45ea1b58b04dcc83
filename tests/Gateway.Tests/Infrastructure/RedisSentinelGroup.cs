using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real Sentinel deployment on loopback: a primary, one replica and three <c>redis-sentinel</c> processes
/// (quorum 2, master declared down after 1 s). Fails loudly when redis-sentinel is not installed: tests/run.sh
/// installs it.
/// </summary>
public sealed class RedisSentinelGroup : IDisposable
{
    public const string ServiceName = "gwmaster";

    private readonly List<RedisServer> _servers = [];
    private readonly List<RedisServer> _sentinels = [];

    private RedisSentinelGroup()
    {
    }

    public IReadOnlyList<RedisServer> Servers => _servers;

    /// <summary>The documented Sentinel connection string: the sentinels and the service name.</summary>
    public string ConnectionString => string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={ServiceName}";

    public static async Task<RedisSentinelGroup> StartAsync()
    {
        var group = new RedisSentinelGroup();
        try
        {
            var primary = new RedisServer();
            group._servers.Add(primary);
            group._servers.Add(new RedisServer(extraArguments: ["--replicaof", "127.0.0.1", Port(primary)]));
            for (var i = 0; i < 3; i++)
            {
                var config = $"sentinel monitor {ServiceName} 127.0.0.1 {Port(primary)} 2\n" +
                             $"sentinel down-after-milliseconds {ServiceName} 1000\n" +
                             $"sentinel failover-timeout {ServiceName} 5000\n";
                group._sentinels.Add(new RedisServer(binaryName: "redis-sentinel", configFileContent: config));
            }

            // Ready when every sentinel knows the replica and the two other sentinels (hello messages every 2 s).
            await group.WaitAsync(
                async () => (await Task.WhenAll(group._sentinels.Select(group.SentinelViewAsync))).All(view => view.Replicas == 1 && view.OtherSentinels == 2),
                TimeSpan.FromSeconds(20),
                "the sentinels did not discover the replica and each other within 20 s");
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>The port of the server the sentinels currently name as master.</summary>
    public async Task<int> MasterPortAsync()
    {
        await using var sentinel = await ConnectSentinelAsync(_sentinels[0]);
        var address = await sentinel.GetServer(sentinel.GetEndPoints()[0]).SentinelGetMasterAddressByNameAsync(ServiceName);
        return address is IPEndPoint ip ? ip.Port : throw new InvalidOperationException($"sentinel answered {address}");
    }

    /// <summary>Kills the current master (SIGKILL), as a crash would; returns its port.</summary>
    public async Task<int> KillMasterAsync()
    {
        var oldPort = await MasterPortAsync();
        _servers.Single(s => s.Port == oldPort).Stop();
        return oldPort;
    }

    /// <summary>Waits until the sentinels have promoted the replica of the killed master on <paramref name="oldPort"/> and it accepts writes.</summary>
    public async Task<RedisServer> WaitForFailoverAsync(int oldPort, TimeSpan timeout)
    {
        await WaitAsync(async () => await MasterPortAsync() != oldPort, timeout, $"the sentinels did not promote a new master within {timeout}");
        var promoted = _servers.Single(s => s.Port != oldPort);
        await WaitAsync(async () => await IsWritableMasterAsync(promoted), timeout, "the promoted replica did not become a writable master");
        return promoted;
    }

    /// <summary>A direct admin connection to one data server.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(RedisServer server) =>
        ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port},allowAdmin=true,connectTimeout=2000");

    private static async Task<bool> IsWritableMasterAsync(RedisServer server)
    {
        await using var connection = await ConnectAsync(server);
        var role = await connection.GetServer(connection.GetEndPoints()[0]).RoleAsync();
        return role is Role.Master;
    }

    private async Task<(int Replicas, int OtherSentinels)> SentinelViewAsync(RedisServer sentinel)
    {
        await using var connection = await ConnectSentinelAsync(sentinel);
        var master = await connection.GetServer(connection.GetEndPoints()[0]).SentinelMasterAsync(ServiceName);
        var fields = master.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        return (int.Parse(fields["num-slaves"], CultureInfo.InvariantCulture), int.Parse(fields["num-other-sentinels"], CultureInfo.InvariantCulture));
    }

    private static Task<ConnectionMultiplexer> ConnectSentinelAsync(RedisServer sentinel) =>
        ConnectionMultiplexer.SentinelConnectAsync($"127.0.0.1:{sentinel.Port},connectTimeout=2000");

    private async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or KeyNotFoundException or InvalidOperationException)
            {
                last = ex; // a server that is down or not yet configured: ask again
            }

            await Task.Delay(100);
        }

        throw new TimeoutException(message + (last is null ? "" : $" (last error: {last.Message})") + $"; servers {string.Join(",", _servers.Select(s => s.Port))}");
    }

    private static string Port(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var server in _sentinels.Concat(_servers))
        {
            server.Dispose();
        }
    }
}
