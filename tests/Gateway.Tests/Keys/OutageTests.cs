using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Keys;

/// <summary>Redis and identity provider outages: no valid request is refused while cached keys are usable.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class OutageTests
{
    private readonly IntegrationFixture _fixture;

    public OutageTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    private TestConfig ConfigWithRedis(RedisServer redis) =>
        _fixture.Config().WithRedis(redis, "outage-" + Guid.NewGuid().ToString("N")[..8] + ":");

    [Fact]
    public async Task RedisKilledAndRestarted_ValidRequestsKeepPassing_AndNoticesResume()
    {
        using var redis = new RedisServer();
        var config = ConfigWithRedis(redis);
        config.Issuer["UnknownKidRefreshInterval"] = "00:00:01";
        await using var a = await config.StartAsync();
        await using var b = await config.StartAsync();
        await a.WaitUntilReadyAsync();
        await b.WaitUntilReadyAsync();

        redis.Stop();
        for (var i = 0; i < 20; i++)
        {
            using var fromA = await a.Client.GetWithTokenAsync("/api/x", Idp.Mint());
            using var fromB = await b.Client.GetWithTokenAsync("/api/x", Idp.Mint());
            Assert.Equal(HttpStatusCode.OK, fromA.StatusCode);
            Assert.Equal(HttpStatusCode.OK, fromB.StatusCode);
        }

        // A key rotated in while Redis is down is still accepted: the replica asks the IdP itself.
        var duringOutage = Idp.AddRsaKey("outage-" + Guid.NewGuid().ToString("N")[..8]);
        var unknownKidLoadStarted = Stopwatch.GetTimestamp();
        try
        {
            using var rotated = await a.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: duringOutage.Kid));
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        }
        finally
        {
            Idp.Unpublish(duringOutage.Kid);
        }

        // Redis comes back: both replicas reconnect and re-subscribe by themselves.
        redis.Start();
        await Eventually.HoldsAsync(() => IsConnected(a) && IsConnected(b), TimeSpan.FromSeconds(20), "replicas did not reconnect to Redis");

        // A real interval of the gateway: the earlier rotation's unknown-kid interval (1 s here) must be over.
        var intervalLeft = TimeSpan.FromSeconds(1.2) - Stopwatch.GetElapsedTime(unknownKidLoadStarted);
        if (intervalLeft > TimeSpan.Zero)
        {
            await Task.Delay(intervalLeft);
        }

        await using var afterRestart = Idp.RotateInRsaKey("after-" + Guid.NewGuid().ToString("N")[..8]);
        using var first = await a.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: afterRestart.Kid));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Eventually.HoldsAsync(() => b.HoldsKey("test", afterRestart.Kid), TimeSpan.FromSeconds(2), "the change notice did not reach the other replica after Redis restarted");
    }

    [Fact]
    public async Task RedisAbsentAtStartup_GatewayServesFromTheIdentityProvider_AndUsesRedisOnceItAppears()
    {
        using var redis = new RedisServer(start: false);
        var config = ConfigWithRedis(redis);
        var started = Stopwatch.StartNew();
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(8), $"startup took {started.Elapsed}");

        using var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        redis.Start();
        await Eventually.HoldsAsync(() => IsConnected(gateway), TimeSpan.FromSeconds(20), "the gateway did not connect once Redis appeared");
        await using var rotated = Idp.RotateInRsaKey("late-redis-" + Guid.NewGuid().ToString("N")[..8]);
        using var withNewKey = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: rotated.Kid));
        Assert.Equal(HttpStatusCode.OK, withNewKey.StatusCode);

        // What it fetched is now in Redis for the rest of the fleet.
        var reader = ReaderFor(redis, config);
        var entry = await reader.GetAsync("test", Gateway.Keys.KeyManagerPool.DiscoveryAddress(Idp.Issuer), CancellationToken.None);
        Assert.NotNull(entry);
        Assert.Contains(rotated.Kid, entry.JwksJson);
    }

    [Fact]
    public async Task SlowRedis_NeverDelaysRequestsWhoseKeysAreInMemory_NorAColdStart()
    {
        using var redis = new RedisServer();
        var config = ConfigWithRedis(redis);
        await using var warm = await config.StartAsync();
        await warm.WaitUntilReadyAsync();

        redis.SendRaw("DEBUG", "SLEEP", "4"); // Redis answers nothing for 4 s
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await warm.Client.GetWithTokenAsync("/api/x", Idp.Mint());
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a request took {slowest} while Redis was slow");

        // A replica starting while Redis hangs falls back to the identity provider within its budget.
        var coldStart = Stopwatch.StartNew();
        await using var cold = await config.StartAsync();
        await cold.WaitUntilReadyAsync(TimeSpan.FromSeconds(6));
        using var fromCold = await cold.Client.GetWithTokenAsync("/api/x", Idp.Mint());
        Assert.Equal(HttpStatusCode.OK, fromCold.StatusCode);
        Assert.True(coldStart.Elapsed < TimeSpan.FromSeconds(6), $"cold start took {coldStart.Elapsed}");
    }

    [Theory]
    [InlineData(IdpFailure.ServerError)]
    [InlineData(IdpFailure.MalformedJwks)]
    [InlineData(IdpFailure.Hang)]
    public async Task IdentityProviderDown_CachedKeysServeUntilMaxStaleness_Then503_ThenRecover(IdpFailure failure)
    {
        // Short intervals, so the outage outlasts the staleness limit within seconds: keys live 0.5 s (refresh-ahead at
        // 0.4 s, then failures and the backoff of 1 s, 2 s, ...), and serve until 2 s after their fetch. The
        // background refresh ticks every second, so the recovery comes at most a backoff step and a tick later.
        var maxStaleness = TimeSpan.FromSeconds(2);
        var config = _fixture.Config();
        config.Issuer["KeyRefreshInterval"] = "00:00:00.5";
        config.Issuer["FetchTimeout"] = "00:00:01";
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:00.5", ["MaxStaleness"] = "00:00:02" };
        await using var gateway = await config.StartAsync();

        // Bounded, but longer than the default: the first fetches of a test process (JIT, first connections) may outlast
        // the 1 s FetchTimeout on a loaded machine, and the backoff (1 s, 2 s, 4 s) then retries them.
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        var loadedAt = DateTime.UtcNow; // the keys were fetched before: the staleness limit ends earlier than loadedAt + 2 s
        var token = Idp.Mint();
        try
        {
            Idp.Failure = failure;

            // Within the staleness limit (its first half: a request may take up to 1 s): every valid request passes,
            // and quickly even if the IdP hangs.
            while (DateTime.UtcNow - loadedAt < maxStaleness / 2)
            {
                var watch = Stopwatch.StartNew();
                using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"request took {watch.Elapsed}");
                await Task.Delay(100);
            }

            // An unknown kid with the IdP down: the gateway cannot check it, so 503 (not a false 401)
            // within the fetch budget, never a hang.
            var unknown = Stopwatch.StartNew();
            using (var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("while-down"))))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("5", response.Headers.RetryAfter?.ToString());
            }

            Assert.True(unknown.Elapsed < TimeSpan.FromSeconds(2), $"unknown kid took {unknown.Elapsed}");

            // Past the staleness limit: the gateway cannot decide, and says so with 503.
            var pastStaleness = maxStaleness + TimeSpan.FromSeconds(0.5) - (DateTime.UtcNow - loadedAt);
            if (pastStaleness > TimeSpan.Zero)
            {
                await Task.Delay(pastStaleness); // a real interval of the key cache: no condition to poll but the clock
            }

            var forwardedBefore = _fixture.Downstream.Received.Count;
            using (var stale = await gateway.Client.GetWithTokenAsync("/api/x", token))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, stale.StatusCode);
                Assert.Equal("5", stale.Headers.RetryAfter?.ToString());
            }

            Assert.Equal(forwardedBefore, _fixture.Downstream.Received.Count);
        }
        finally
        {
            Idp.Failure = IdpFailure.None;
        }

        // The IdP is back: the retry (with backoff) restores service by itself.
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
                return response.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(15),
            "the gateway did not recover after the identity provider came back");
    }

    [Fact]
    public async Task IssuerWhoseKeysNeverLoaded_Answers503_NotAFalse401()
    {
        Idp.Failure = IdpFailure.ServerError;
        try
        {
            await using var gateway = await _fixture.Config().StartAsync();
            using var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint());

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("5", response.Headers.RetryAfter?.ToString());
            using var ready = await gateway.Client.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        finally
        {
            Idp.Failure = IdpFailure.None;
        }
    }

    private static RedisSharedKeyStore ReaderFor(RedisServer redis, TestConfig config) => new(
        new RedisConnectionFactory(redis.ConnectionString),
        new KeyEntryProtector(TestConfig.IntegrityKey),
        config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>(),
        TimeSpan.FromSeconds(2),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisSharedKeyStore>.Instance);

    // Deliberately synchronous: a poll predicate that reads the connection only once it has completed, never waits for it.
#pragma warning disable VSTHRD002 // Result is read only after IsCompletedSuccessfully
    private static bool IsConnected(GatewayInstance gateway) =>
        gateway.Services.GetRequiredService<RedisConnectionFactory>().GetConnectionAsync() is { IsCompletedSuccessfully: true } task && task.Result.IsConnected;
#pragma warning restore VSTHRD002
}
