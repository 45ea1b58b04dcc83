using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Tokens;

/// <summary>The validated-token cache through the real gateway: it never changes an answer, only its cost.</summary>
public sealed class TokenCacheIntegrationTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public TokenCacheIntegrationTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    private static async Task<HttpStatusCode> StatusAsync(GatewayInstance gateway, string path, string token)
    {
        using var response = await gateway.Client.GetWithTokenAsync(path, token);
        return response.StatusCode;
    }

    [Fact]
    public async Task CachedToken_IsRefused_OnceExpired()
    {
        var config = _fixture.Config();
        config.Issuer["ClockSkew"] = "00:00:00";
        await using var gateway = await config.StartAsync();
        var exp = DateTimeOffset.UtcNow.AddSeconds(2);
        var token = Idp.Mint(new Dictionary<string, object?> { ["exp"] = exp.ToUnixTimeSeconds() });

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Equal(1, gateway.Snapshots.Current.TokenCache!.Count);

        await Task.Delay(DateTimeOffset.FromUnixTimeSeconds(exp.ToUnixTimeSeconds()) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));

        using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", response.Challenge());
    }

    [Fact]
    public async Task CachedToken_IsRefused_AfterItsKeyWasWithdrawn()
    {
        await using var gateway = await _fixture.Config().StartAsync(); // UnknownKidRefreshInterval: 2 s
        await gateway.WaitUntilReadyAsync();
        await using var rotated = Idp.RotateInRsaKey("withdrawn-" + Guid.NewGuid().ToString("N")[..8]);
        var token = Idp.Mint(kid: rotated.Kid);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));

        // The IdP withdraws the key; the gateway's next key load (here: for another unknown kid, once the unknown-kid
        // interval since the last load has passed) drops it. Every one of those requests is refused.
        await rotated.DisposeAsync();
        var other = TestIdentityProvider.CreateUnpublishedRsaKey("other-" + Guid.NewGuid().ToString("N")[..8]);
        await Eventually.HoldsAsync(
            async () =>
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, "/api/x", Idp.Mint(key: other)));
                return !gateway.HoldsKey("test", rotated.Kid);
            },
            TimeSpan.FromSeconds(10),
            "the gateway still held the withdrawn key 10 s after it left the JWKS");

        using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("signing key is unknown", response.Challenge());
    }

    [Fact]
    public async Task CachedToken_IsJudgedByTheNewRules_AfterAReload()
    {
        var config = _fixture.Config();
        await using var gateway = await config.StartAsync();
        var token = Idp.Mint();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));

        config.Issuer["Audiences"] = new JsonArray("api-v2");
        Assert.True(await gateway.RewriteConfigAsync(config.Build()));

        using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("audience", response.Challenge());
    }

    [Fact]
    public async Task CachedToken_StillMeetsEachRoutesPolicy_AndGetsItsClaimHeaders()
    {
        var config = _fixture.Config()
            .Policy("admin-only", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Route("admin", "admin-only")
            .ClaimHeaders(("X-User-Id", "sub"), ("X-Tenant", "tenant"));
        await using var gateway = await config.StartAsync();
        var user = Idp.Mint(new Dictionary<string, object?> { ["sub"] = "bob", ["tenant"] = "acme" });

        for (var i = 0; i < 3; i++)
        {
            _fixture.Downstream.Clear();
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", user));
            var received = _fixture.Downstream.Single();
            Assert.Equal("bob", received.Header("X-User-Id"));
            Assert.Equal("acme", received.Header("X-Tenant"));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(gateway, "/admin/x", user));
        }
    }

    [Fact]
    public async Task Disabled_ValidatesEveryRequestInFull()
    {
        var config = _fixture.Config().Set("TokenCache", new JsonObject { ["Enabled"] = false });
        await using var gateway = await config.StartAsync();
        var token = Idp.Mint();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, "/api/x", token));
        Assert.Null(gateway.Snapshots.Current.TokenCache);
    }

    [Fact]
    public async Task Flood_OfDistinctTokens_KeepsTheCacheWithinMaxEntries()
    {
        var config = _fixture.Config().Set("TokenCache", new JsonObject { ["MaxEntries"] = 20 });
        await using var gateway = await config.StartAsync();
        var tokens = Enumerable.Range(0, 120).Select(i => Idp.Mint(new Dictionary<string, object?> { ["jti"] = $"flood-{i}" })).ToArray();

        foreach (var batch in tokens.Chunk(8))
        {
            var statuses = await Task.WhenAll(batch.Select(t => StatusAsync(gateway, "/api/x", t)));
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            Assert.InRange(gateway.Snapshots.Current.TokenCache!.Count, 0, 20);
        }
    }
}
