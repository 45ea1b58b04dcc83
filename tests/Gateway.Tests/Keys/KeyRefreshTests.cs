using System.Diagnostics;
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

        // That the interval ends (the next unknown kid refreshes once more) is shown on a fake clock in
        // Gateway.UnitTests (IssuerKeyManagerTests) and end to end by the next test.
    }

    [Fact]
    public async Task KeyRotatedIn_WithinThrottleInterval_IsAcceptedAfterTheInterval()
    {
        var config = _fixture.Config();
        config.Issuer["UnknownKidRefreshInterval"] = "00:00:01"; // the interval this test waits out
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();

        // Spend the refresh on an unknown kid, then publish a real new key. Both keys and tokens are made first: an RSA key
        // takes a while on a busy machine, and the throttled request must come within the 1 s interval.
        var spentToken = Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("spent"));
        var late = TestIdentityProvider.CreateUnpublishedRsaKey("late-" + Guid.NewGuid().ToString("N")[..8]);
        var token = Idp.Mint(key: late);
        var spent = Stopwatch.StartNew();
        using var first = await gateway.Client.GetWithTokenAsync("/api/x", spentToken);
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Idp.Publish(late);
        await using var rotated = new RotatedKey(Idp, late);
        using var throttled = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.True(throttled.StatusCode == HttpStatusCode.Unauthorized, $"answered {(int)throttled.StatusCode} {spent.Elapsed} after the refresh was spent: within the 1 s interval it must be 401");

        // A real interval of the gateway: the rotated key is loaded only once the interval has passed.
        var intervalLeft = TimeSpan.FromSeconds(1.2) - spent.Elapsed;
        if (intervalLeft > TimeSpan.Zero)
        {
            await Task.Delay(intervalLeft);
        }

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
