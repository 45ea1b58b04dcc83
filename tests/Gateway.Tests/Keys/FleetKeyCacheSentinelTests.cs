using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Gateway.Tests.Keys;

/// <summary>A Sentinel deployment (primary, replica, three real redis-sentinel processes) shared by one test class.</summary>
public sealed class SentinelGroupFixture : IAsyncLifetime
{
    public RedisSentinelGroup Group { get; private set; } = null!;

    public async Task InitializeAsync() => Group = await RedisSentinelGroup.StartAsync();

    public Task DisposeAsync()
    {
        Group?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every fleet test again, with the replicas connecting through the documented Sentinel connection string
/// (<c>sentinel-0:26379,…,serviceName=…</c>) to real redis-sentinel processes; plus a failover of the master
/// while the fleet serves traffic.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class FleetKeyCacheSentinelTests : FleetKeyCacheTests, IClassFixture<SentinelGroupFixture>
{
    private readonly SentinelGroupFixture _sentinel;

    public FleetKeyCacheSentinelTests(IntegrationFixture fixture, SentinelGroupFixture sentinel)
        : base(fixture)
    {
        _sentinel = sentinel;
    }

    protected override TestConfig FleetConfig() => ConfigThrough(_sentinel.Group);

    protected override string AttackerConnectionString() => _sentinel.Group.ConnectionString;

    [Fact]
    public async Task MasterFailover_WhileTheFleetServes_NoValidTokenRefused_AndSharingResumesOnTheNewMaster()
    {
        using var group = await RedisSentinelGroup.StartAsync(); // its own: this test kills the master
        var config = ConfigThrough(group);

        // A shorter PeerFetchWait than the default 2 s, so the fleet-wide kid lease this test waits out twice lasts 5.5 s, not
        // 7 s: the lease is UnknownKidRefreshInterval (2 s), but at least FetchTimeout + PeerFetchWait. The FetchTimeout
        // stays 5 s: with the master down, the Redis steps of a load (read, lease) use up part of a request's wait for keys
        // (a 2 s FetchTimeout was seen answering 503 here), and the loopback IdP answers well within the grace.
        var fetchTimeout = TimeSpan.FromSeconds(5);
        var peerFetchWait = TimeSpan.FromSeconds(0.5);
        config.Gateway["KeyCache"] = new System.Text.Json.Nodes.JsonObject { ["PeerFetchWait"] = "00:00:00.500" };
        var kidLease = fetchTimeout + peerFetchWait;
        var prefix = config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>();
        Idp.ResetCounters();
        var fleet = await StartFleetAsync(config, 3);
        try
        {
            Assert.Equal(1, Idp.JwksFetches); // the cold start was shared through the master the sentinels named

            // Valid tokens on every replica, every 50 ms, before, during and after the failover.
            using var traffic = new CancellationTokenSource();
            var refused = new ConcurrentQueue<string>();
            var answered = 0;
            var load = Task.WhenAll(fleet.Select((replica, i) => Task.Run(async () =>
            {
                while (!traffic.IsCancellationRequested)
                {
                    var started = DateTime.UtcNow;
                    using var response = await replica.Client.GetWithTokenAsync("/api/x", Idp.Mint());
                    Interlocked.Increment(ref answered);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        refused.Enqueue($"replica {i} answered {(int)response.StatusCode} at {started:HH:mm:ss.fff}");
                    }

                    await Task.Delay(50);
                }
            })));

            // Traffic before the failover: every replica answered a few requests.
            await Eventually.HoldsAsync(() => Volatile.Read(ref answered) >= 3 * fleet.Length, TimeSpan.FromSeconds(10), "no traffic before the failover");
            var oldMaster = await group.KillMasterAsync();

            // A key rotated in while there is no master (the sentinels need about a second to declare it down,
            // then elect): every replica still accepts it, loading it from the identity provider itself.
            var duringFailover = Idp.AddRsaKey("failover-mid-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var midToken = Idp.Mint(kid: duringFailover.Kid);
                var started = DateTime.UtcNow;
                var mid = await Task.WhenAll(fleet.Select(r => r.Client.GetWithTokenAsync("/api/x", midToken)));
                var elapsed = DateTime.UtcNow - started;
                for (var i = 0; i < fleet.Length; i++)
                {
                    Assert.True(mid[i].StatusCode == HttpStatusCode.OK, $"replica {i} answered {(int)mid[i].StatusCode} with the master down\n{fleet[i].Logs.AllText()}");
                }

                Assert.True(elapsed < TimeSpan.FromSeconds(6), $"requests with the master down took {elapsed} (FetchTimeout is {fetchTimeout})");
            }
            finally
            {
                Idp.Unpublish(duringFailover.Kid);
            }

            var midRotationDone = Stopwatch.GetTimestamp();
            var promoted = await group.WaitForFailoverAsync(oldMaster, TimeSpan.FromSeconds(30));

            // Each replica's connection follows the sentinels to the new master.
            await Eventually.HoldsAsync(
                async () => (await Task.WhenAll(fleet.Select(r => WritesToAsync(r, promoted.Port)))).All(on => on),
                TimeSpan.FromSeconds(20),
                $"a replica did not move to the new master (port {promoted.Port}) within 20 s");
            // Traffic after the failover: a few more requests on every replica.
            var answeredAfterMove = Volatile.Read(ref answered);
            await Eventually.HoldsAsync(() => Volatile.Read(ref answered) >= answeredAfterMove + (3 * fleet.Length), TimeSpan.FromSeconds(10), "no traffic after the failover");
            await traffic.CancelAsync();
            await load.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(refused.IsEmpty, "valid tokens refused during the failover: " + string.Join("; ", refused));
            Assert.True(answered >= 30, $"only {answered} requests were made during the failover");

            // The rotation during the failover started an unknown-kid refresh on each replica: until its throttle and any
            // fleet-wide kid lease are over another unknown kid is answered 401 at once by design. With the master down no
            // lease was written, so usually there is none to wait for.
            await WaitForUnknownKidIntervalAsync(promoted, prefix, midRotationDone, kidLease);

            // Sharing resumes: a rotated key used on all three replicas at once costs one JWKS request (one lease
            // winner on the new master), and the entry lives there.
            await using var rotated = Idp.RotateInRsaKey("failover-rot-" + Guid.NewGuid().ToString("N")[..8]);
            Idp.ResetCounters();
            var token = Idp.Mint(kid: rotated.Kid);
            var rotationStarted = Stopwatch.GetTimestamp(); // its kid lease is taken after this
            var responses = await Task.WhenAll(fleet.Select(r => r.Client.GetWithTokenAsync("/api/x", token)));
            for (var i = 0; i < fleet.Length; i++)
            {
                Assert.True(responses[i].StatusCode == HttpStatusCode.OK, $"replica {i} answered {(int)responses[i].StatusCode}\n{fleet[i].Logs.AllText()}");
            }

            Assert.Equal(1, Idp.JwksFetches);
            await using (var admin = await RedisSentinelGroup.ConnectAsync(promoted))
            {
                var server = admin.GetServer(admin.GetEndPoints()[0]);
                Assert.NotEmpty(await server.KeysAsync(pattern: prefix + "keys:*").ToListAsync());
            }

            // No split-brain of leases: 60 unknown kids spread over the replicas make one JWKS request.
            // First let the rotation's fleet-wide kid lease expire on the new master (5.5 s after it was taken).
            await WaitForUnknownKidIntervalAsync(promoted, prefix, rotationStarted, kidLease);

            Idp.ResetCounters();
            var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("failover-flood");
            var rsa = ((Microsoft.IdentityModel.Tokens.RsaSecurityKey)attacker.SecurityKey).Rsa;
            var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
            {
                var forged = Idp.Mint(key: attacker with { SecurityKey = new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa) { KeyId = "failover-flood-" + i } });
                using var response = await fleet[i % fleet.Length].Client.GetWithTokenAsync("/api/x", forged);
                return response.StatusCode;
            }));
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
            Assert.Equal(1, Idp.JwksFetches);

            // Readiness no longer reports the dead master once the replicas have left it.
            foreach (var replica in fleet)
            {
                using var ready = await replica.Client.GetAsync("/healthz/ready");
                var body = await ready.Content.ReadAsStringAsync();
                Assert.True(ready.StatusCode == HttpStatusCode.OK && body.Contains("\"redis\":\"connected\"", StringComparison.Ordinal) && !body.Contains("redisErrors", StringComparison.Ordinal), body);
            }
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    /// <summary>
    /// Waits until an unknown kid may cause a load again after one that started at <paramref name="loadStarted"/>: each
    /// replica's own UnknownKidRefreshInterval (2 s, in memory: nothing to poll but the clock) is over, and no fleet-wide
    /// kid lease is left on <paramref name="master"/> (polled: it ends with its expiry, FetchTimeout + PeerFetchWait).
    /// </summary>
    private static async Task WaitForUnknownKidIntervalAsync(RedisServer master, string prefix, long loadStarted, TimeSpan leaseDuration)
    {
        var intervalLeft = TimeSpan.FromSeconds(2.5) - Stopwatch.GetElapsedTime(loadStarted);
        if (intervalLeft > TimeSpan.Zero)
        {
            await Task.Delay(intervalLeft);
        }

        await using var admin = await RedisSentinelGroup.ConnectAsync(master);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await Eventually.HoldsAsync(
            () => !server.Keys(pattern: prefix + "lease:kid:*").Any(),
            leaseDuration + TimeSpan.FromSeconds(5),
            $"a fleet-wide kid lease was still on the new master {leaseDuration + TimeSpan.FromSeconds(5)} after the load (it lasts {leaseDuration})");
    }

    /// <summary>True when the replica's Redis connection writes to the server on <paramref name="port"/> (a connected primary).</summary>
    private static async Task<bool> WritesToAsync(GatewayInstance replica, int port)
    {
        var connection = await replica.Services.GetRequiredService<RedisConnectionFactory>().GetConnectionAsync();
        var database = connection.GetDatabase();
        var endpoint = await database.IdentifyEndpointAsync("probe", CommandFlags.DemandMaster);
        return endpoint is System.Net.IPEndPoint ip && ip.Port == port && connection.GetServer(ip).IsConnected && !connection.GetServer(ip).IsReplica;
    }

    private TestConfig ConfigThrough(RedisSentinelGroup group)
    {
        var config = Fixture.Config().WithRedis(Fixture.Redis, "sentinel-" + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Gateway["Redis"]!["Configuration"] = group.ConnectionString;
        return config;
    }
}
