using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

/// <summary>
/// Key managers across a reload, through the real gateway and real identity providers: an issuer the new configuration
/// drops has its key manager released (it never fetches from its identity provider again, even for a request still
/// judged under the replaced configuration), and an issuer it keeps unchanged keeps its manager and its loaded keys
/// (no fetch at all after the reload).
/// </summary>
public sealed class ReloadKeyManagerTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public ReloadKeyManagerTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task ReloadRemovingAnIssuer_ReleasesItsKeyManager_WhichNeverFetchesAgain()
    {
        await using var other = await TestIdentityProvider.StartAsync();
        var withOther = _fixture.Config();
        withOther.Gateway["Issuers"]!["other"] = new JsonObject
        {
            ["Authority"] = other.Issuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
            ["UnknownKidRefreshInterval"] = "00:00:02",
        };
        await using var gateway = await GatewayInstance.StartAsync(withOther.Build());
        await gateway.WaitUntilReadyAsync();
        using (var accepted = await gateway.Client.GetWithTokenAsync("/api/x", other.Mint()))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var released = gateway.Snapshots.Current.Issuers.ByName["other"].Keys;
        var kept = gateway.Snapshots.Current.Issuers.ByName["test"].Keys;

        Assert.True(await gateway.RewriteConfigAsync(_fixture.Config().Build()));
        other.ResetCounters();

        Assert.True(released.IsReleased);
        Assert.False(kept.IsReleased);
        Assert.Same(kept, gateway.Snapshots.Current.Issuers.ByName["test"].Keys);

        // A key rotated in at the dropped issuer: a request still judged under the replaced snapshot asks its manager for
        // the kid, and gets the keys in memory (the kid is not among them), never a fetch. Through the gateway, the issuer is unknown.
        var rotated = other.AddRsaKey("rotated-after-removal");
        var refresh = await released.RefreshForUnknownKidAsync(rotated.Kid, Bounded);
        Assert.False(refresh.Keys?.ById.ContainsKey(rotated.Kid) ?? false);
        Assert.NotNull(await released.GetKeysAsync(Bounded)); // the keys in memory still answer
        using (var refused = await gateway.Client.GetWithTokenAsync("/api/x", other.Mint(kid: rotated.Kid)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await released.RefreshIfDueAsync().WaitAsync(Bounded);
        Assert.Equal(0, other.JwksFetches);
        Assert.Equal(0, other.DiscoveryFetches);
    }

    [Fact]
    public async Task ReloadKeepingAnIssuerUnchanged_KeepsItsKeyManager_WithoutAnyFetch()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        await gateway.WaitUntilReadyAsync();
        var manager = gateway.Snapshots.Current.Issuers.ByName["test"].Keys;
        var keys = manager.Current;
        Idp.ResetCounters();

        var changed = _fixture.Config()
            .Policy("orders-read", new JsonObject { ["Scopes"] = new JsonArray("orders:read") })
            .Route("orders", "orders-read");
        Assert.True(await gateway.RewriteConfigAsync(changed.Build()));

        Assert.Same(manager, gateway.Snapshots.Current.Issuers.ByName["test"].Keys);
        Assert.False(manager.IsReleased);
        Assert.Same(keys, manager.Current);
        using (var accepted = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint()))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(0, Idp.JwksFetches);
        Assert.Equal(0, Idp.DiscoveryFetches);
    }
}
