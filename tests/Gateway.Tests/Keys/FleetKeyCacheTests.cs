using System.Net;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Keys;

/// <summary>
/// Several gateway replicas sharing one real redis-server and one identity provider that counts requests.
/// <see cref="FleetKeyCacheAclTests"/> runs every test here again as a least-privilege Redis ACL user.
/// Serial (<see cref="IntegrationCollection"/>): the promises measured are wall-clock ones (every replica holds a rotated
/// key within 1 s; one fetch for the fleet while the peers wait, 3.6 s of a slow identity provider inside the 5 s fetch
/// budget), and a CPU shared with parallel classes stretches them: the same fleet check run in parallel
/// (<c>FleetRedisTlsTests</c>) was seen fetching twice under load.
/// </summary>
[Collection(IntegrationCollection.Name)]
public class FleetKeyCacheTests
{
    private readonly IntegrationFixture _fixture;

    public FleetKeyCacheTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    protected IntegrationFixture Fixture => _fixture;

    protected TestIdentityProvider Idp => _fixture.Idp;

    /// <summary>A configuration whose replicas share Redis under a prefix of their own.</summary>
    protected virtual TestConfig FleetConfig() => _fixture.Config().WithRedis(_fixture.Redis, "fleet-" + Guid.NewGuid().ToString("N")[..8] + ":");

    /// <summary>How a test that plays an attacker with write access reaches the fleet's Redis.</summary>
    protected virtual string AttackerConnectionString() => _fixture.Redis.ConnectionString;

    protected static async Task<GatewayInstance[]> StartFleetAsync(TestConfig config, int size)
    {
        var replicas = await Task.WhenAll(Enumerable.Range(0, size).Select(_ => config.StartAsync()));
        await Task.WhenAll(replicas.Select(r => r.WaitUntilReadyAsync()));
        return replicas;
    }

    protected static async Task StopAsync(IEnumerable<GatewayInstance> replicas)
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task ColdStart_OfThreeReplicas_FetchesFromTheIdentityProviderOnce()
    {
        Idp.ResetCounters();
        // One fetch is the guarantee while Redis answers. A command slower than Redis:OperationTimeout (500 ms: a loaded
        // machine starting three gateways at once) reads as a miss and grants the lease, and then each replica fetches
        // itself: the documented degradation, never a refused token. This test is about the lease, not that bound.
        var config = FleetConfig();
        config.Gateway["Redis"]!["OperationTimeout"] = "00:00:05";
        var fleet = await StartFleetAsync(config, 3);
        try
        {
            Assert.Equal(1, Idp.DiscoveryFetches);
            Assert.Equal(1, Idp.JwksFetches);
            foreach (var replica in fleet)
            {
                using var response = await replica.Client.GetWithTokenAsync("/api/x", Idp.Mint());
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task KeyRotation_OneFetch_AndEveryReplicaHasTheNewKeyWithinASecond()
    {
        var fleet = await StartFleetAsync(FleetConfig(), 3);
        var rotated = Idp.AddRsaKey("fleet-rot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Idp.ResetCounters();
            var token = Idp.Mint(kid: rotated.Kid);

            using (var first = await fleet[0].Client.GetWithTokenAsync("/api/x", token))
            {
                Assert.True(first.StatusCode == HttpStatusCode.OK, fleet[0].Logs.AllText());
            }

            // The change notice reaches the other replicas: they hold the key without any request.
            await Eventually.HoldsAsync(() => fleet.All(r => r.HoldsKey("test", rotated.Kid)), TimeSpan.FromSeconds(1), "a replica did not receive the rotated key within 1 s");
            foreach (var replica in fleet)
            {
                using var response = await replica.Client.GetWithTokenAsync("/api/x", token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal(1, Idp.JwksFetches);
        }
        finally
        {
            Idp.Unpublish(rotated.Kid);
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task RotatedKey_UsedOnAnotherReplicaAtOnce_WaitsForThePeerInsteadOfFetching()
    {
        var fleet = await StartFleetAsync(FleetConfig(), 2);
        var rotated = Idp.AddRsaKey("fleet-race-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Idp.ResetCounters();
            var token = Idp.Mint(kid: rotated.Kid);

            var responses = await Task.WhenAll(fleet.Select(r => r.Client.GetWithTokenAsync("/api/x", token)));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(1, Idp.JwksFetches);
        }
        finally
        {
            Idp.Unpublish(rotated.Kid);
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task RotatedKey_UsedOnThreeReplicasAtOnce_WithASlowIdentityProvider_IsAcceptedByAll()
    {
        // Discovery + JWKS take about 3.6 s: inside the 5 s FetchTimeout, longer than the old 2 s peer wait.
        var fleet = await StartFleetAsync(FleetConfig(), 3);
        var rotated = Idp.AddRsaKey("fleet-slow-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Idp.ResponseDelay = TimeSpan.FromSeconds(1.8);
            Idp.ResetCounters();
            var token = Idp.Mint(kid: rotated.Kid);

            var responses = await Task.WhenAll(fleet.Select(r => r.Client.GetWithTokenAsync("/api/x", token)));

            for (var i = 0; i < fleet.Length; i++)
            {
                Assert.True(responses[i].StatusCode == HttpStatusCode.OK, $"replica {i} answered {(int)responses[i].StatusCode}\n{fleet[i].Logs.AllText()}");
            }

            Assert.Equal(1, Idp.JwksFetches); // the losers waited for the winner instead of fetching
        }
        finally
        {
            Idp.ResponseDelay = null;
            Idp.Unpublish(rotated.Kid);
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task UnknownKidFlood_AcrossReplicas_IsBoundedToOneFetchPerInterval()
    {
        var fleet = await StartFleetAsync(FleetConfig(), 3); // UnknownKidRefreshInterval: 2 s
        try
        {
            var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("attacker");
            var rsa = ((Microsoft.IdentityModel.Tokens.RsaSecurityKey)attacker.SecurityKey).Rsa;
            var tokens = Enumerable.Range(0, 90)
                .Select(i => Idp.Mint(key: attacker with { SecurityKey = new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa) { KeyId = "flood-" + i } }))
                .ToArray();
            Idp.ResetCounters();

            var statuses = await Task.WhenAll(tokens.Select(async (token, i) =>
            {
                using var response = await fleet[i % fleet.Length].Client.GetWithTokenAsync("/api/x", token);
                return response.StatusCode;
            }));

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
            Assert.Equal(1, Idp.JwksFetches);
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task TamperedRedisEntry_IsRejected_AndItsKeyNeverValidates()
    {
        var config = FleetConfig();
        await using (var seed = await config.StartAsync())
        {
            await seed.WaitUntilReadyAsync();
        }

        // An attacker with write access to Redis replaces the entry with their own key, without the integrity key.
        var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("injected");
        var prefix = config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>();
        var forger = new RedisSharedKeyStore(
            new RedisConnectionFactory(AttackerConnectionString()),
            new KeyEntryProtector("not-the-fleet-key-000000000000000000000000"),
            prefix,
            TimeSpan.FromSeconds(2),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisSharedKeyStore>.Instance);
        var source = Gateway.Keys.KeyManagerPool.DiscoveryAddress(Idp.Issuer);
        await forger.PublishAsync("test", source, new Gateway.Keys.KeyDocument(TestIdentityProvider.JwksJson([attacker]), DateTimeOffset.UtcNow), CancellationToken.None);

        Idp.ResetCounters();
        await using var replica = await config.StartAsync();
        await replica.WaitUntilReadyAsync();

        var store = replica.Services.GetRequiredService<RedisSharedKeyStore>();
        Assert.True(store.RejectedEntries >= 1);
        Assert.Equal(1, Idp.JwksFetches); // re-fetched from the identity provider instead
        using var forged = await replica.Client.GetWithTokenAsync("/api/x", Idp.Mint(key: attacker));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using var genuine = await replica.Client.GetWithTokenAsync("/api/x", Idp.Mint());
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }
}
