using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Keys;

/// <summary>Unknown-kid refresh (rotated-in keys work on their first request), its throttle, and the shared Redis copy.</summary>
public sealed class KeyRefreshTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public KeyRefreshTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    [Fact]
    public async Task RotatedInKey_IsAccepted_OnItsFirstRequest()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        await gateway.WaitUntilReadyAsync();
        await using var rotated = Idp.RotateInRsaKey("rotated-" + Guid.NewGuid().ToString("N")[..8]);
        Idp.ResetCounters();

        var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: rotated.Kid));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Idp.JwksFetches);
    }

    [Fact]
    public async Task UnknownKids_TriggerAtMostOneRefreshPerInterval()
    {
        await using var gateway = await _fixture.Config().StartAsync(); // UnknownKidRefreshInterval: 2 s
        await gateway.WaitUntilReadyAsync();
        var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("attacker");
        var tokens = Enumerable.Range(0, 50).Select(i => Idp.Mint(key: attacker with { SecurityKey = new Microsoft.IdentityModel.Tokens.RsaSecurityKey(((Microsoft.IdentityModel.Tokens.RsaSecurityKey)attacker.SecurityKey).Rsa) { KeyId = "random-" + i } })).ToArray();
        Idp.ResetCounters();

        // A flood of random kids, in parallel: one refresh, every request answered 401 at once.
        var tasks = tokens.Select(async token =>
        {
            using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(tasks);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(1, Idp.JwksFetches);

        // After the interval, the next unknown kid may refresh once more.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var later = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("random-later")));
        Assert.Equal(HttpStatusCode.Unauthorized, later.StatusCode);
        Assert.Equal(2, Idp.JwksFetches);
    }

    [Fact]
    public async Task KeyRotatedIn_WithinThrottleInterval_IsAcceptedAfterTheInterval()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        await gateway.WaitUntilReadyAsync();

        // Spend the refresh on an unknown kid, then publish a real new key.
        using var first = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("spent")));
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        await using var rotated = Idp.RotateInRsaKey("late-" + Guid.NewGuid().ToString("N")[..8]);
        var token = Idp.Mint(kid: rotated.Kid);
        using var throttled = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, throttled.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var accepted = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task SecondReplica_ReusesKeysFromRedis_WithoutCallingTheIdentityProvider()
    {
        var prefix = "shared-" + Guid.NewGuid().ToString("N")[..8] + ":";
        var config = _fixture.Config().WithRedis(_fixture.Redis, prefix);
        Idp.ResetCounters();
        await using var first = await config.StartAsync();
        await first.WaitUntilReadyAsync();
        Assert.Equal(1, Idp.JwksFetches);

        await using var second = await config.StartAsync();
        await second.WaitUntilReadyAsync();
        using var response = await second.Client.GetWithTokenAsync("/api/x", Idp.Mint());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Idp.JwksFetches);
        Assert.Equal(1, Idp.DiscoveryFetches);
    }

    [Fact]
    public async Task KeyPublishedForEncryption_NeverVerifiesASignature()
    {
        await using var encryptionKey = Idp.RotateInRsaKey("enc-" + Guid.NewGuid().ToString("N")[..8], use: "enc");
        await using var gateway = await _fixture.Config().StartAsync();
        await gateway.WaitUntilReadyAsync();

        using var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: encryptionKey.Kid));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task KeyDeclaringAnotherAlgorithm_IsNotUsedForThisAlgorithm()
    {
        await using var ps256Only = Idp.RotateInRsaKey("ps-" + Guid.NewGuid().ToString("N")[..8], alg: "PS256");
        await using var gateway = await _fixture.Config().StartAsync();
        await gateway.WaitUntilReadyAsync();

        using var rs256 = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: ps256Only.Kid, alg: "RS256"));
        using var ps256 = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: ps256Only.Kid, alg: "PS256"));

        Assert.Equal(HttpStatusCode.Unauthorized, rs256.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ps256.StatusCode);
    }
}
