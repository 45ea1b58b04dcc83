using System.Diagnostics;
using System.Net;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Keys;

/// <summary>
/// Three replicas on one real redis-server that answers every command late: <c>CLIENT PAUSE … ALL</c> holds every
/// client's commands (connections stay open) far past <c>Gateway:Redis:OperationTimeout</c> (500 ms). Measured:
/// no request waits longer than the documented bound (<c>FetchTimeout</c>, 5 s, for a request that needs a key
/// load; no wait at all when its keys are in memory) and no valid token is refused.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class FleetSlowRedisTests
{
    /// <summary>Room for a shared, busy CI machine on top of the documented bounds; never the bound itself.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private readonly IntegrationFixture _fixture;
    private readonly ITestOutputHelper _output;

    public FleetSlowRedisTests(IntegrationFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task EveryCommandPastTheOperationTimeout_NoRequestWaitsLongerThanDocumented_NoValidTokenRefused()
    {
        using var redis = new RedisServer();
        var config = _fixture.Config().WithRedis(redis, "slow-" + Guid.NewGuid().ToString("N")[..8] + ":");

        // A shorter Redis:OperationTimeout than the default 500 ms: each load below gives up on four Redis commands in a row,
        // and what is checked is that each of them gives up (the bound below is the FetchTimeout, whatever the timeout).
        config.Gateway["Redis"]!["OperationTimeout"] = "00:00:00.200";
        var fetchTimeout = TimeSpan.FromSeconds(5); // the default FetchTimeout: the documented longest wait for keys
        var fleet = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => config.StartAsync()));
        SigningKey? rotated = null;
        try
        {
            await Task.WhenAll(fleet.Select(r => r.WaitUntilReadyAsync()));
            rotated = _fixture.Idp.AddRsaKey("slow-rot-" + Guid.NewGuid().ToString("N")[..8]); // after the fleet loaded its keys
            redis.SendRaw("CLIENT", "PAUSE", "20000", "ALL"); // every command waits 20 s

            // Keys in memory: Redis is never on the request path.
            var known = await TimedAsync(fleet, _ => _fixture.Idp.Mint());
            AssertAll(known, HttpStatusCode.OK, TimeSpan.FromSeconds(1), "known key", fleet);

            // A key rotated in and used on all three at once: each replica needs a load, and every Redis step of it
            // (read, lease, write, release) gives up after OperationTimeout; the replicas fetch for themselves.
            var token = _fixture.Idp.Mint(kid: rotated.Kid);
            Assert.All(fleet, r => Assert.False(r.HoldsKey("test", rotated.Kid))); // each replica needs a load
            var rotatedIn = await TimedAsync(fleet, _ => token);
            AssertAll(rotatedIn, HttpStatusCode.OK, fetchTimeout + Margin, "rotated key", fleet);
            _output.WriteLine("rotated key, ms: " + string.Join(", ", rotatedIn.Select(r => r.Elapsed.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));

            // Redis was really slow for these loads: each replica gave up on it (and said so) rather than waiting.
            foreach (var replica in fleet)
            {
                Assert.Contains(replica.Logs.Lines, l => l.EventId == Gateway.Observability.EventIds.SharedCacheUnavailable && l.Message.Contains("TimeoutException", StringComparison.Ordinal));
            }

            // An unknown kid is still decided (401 after a load that lacks it), within the same bound.
            var forged = _fixture.Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("slow-forged"));
            var unknown = await TimedAsync(fleet, _ => forged);
            AssertAll(unknown, HttpStatusCode.Unauthorized, fetchTimeout + Margin, "unknown kid", fleet);
        }
        finally
        {
            if (rotated is not null)
            {
                _fixture.Idp.Unpublish(rotated.Kid);
            }

            foreach (var replica in fleet)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static async Task<(HttpStatusCode Status, TimeSpan Elapsed)[]> TimedAsync(GatewayInstance[] fleet, Func<int, string> token) =>
        await Task.WhenAll(fleet.Select(async (replica, i) =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await replica.Client.GetWithTokenAsync("/api/x", token(i));
            return (response.StatusCode, watch.Elapsed);
        }));

    private static void AssertAll((HttpStatusCode Status, TimeSpan Elapsed)[] results, HttpStatusCode expected, TimeSpan bound, string what, GatewayInstance[] fleet)
    {
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].Status == expected, $"{what}: replica {i} answered {(int)results[i].Status}, expected {(int)expected}\n{fleet[i].Logs.AllText()}");
            Assert.True(results[i].Elapsed < bound, $"{what}: replica {i} took {results[i].Elapsed.TotalMilliseconds:F0} ms, bound {bound.TotalMilliseconds:F0} ms");
        }
    }
}
