using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Keys;

/// <summary>Keys are refreshed in the background ahead of expiry, honouring the IdP's max-age within the configured bounds.</summary>
public sealed class RefreshAheadTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public RefreshAheadTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    // The schedule itself (80 % of the lifetime; max-age clamped to MinRefreshInterval and MaxRefreshInterval; the
    // issuer's KeyRefreshInterval without max-age) is checked on a fake clock in the unit tests
    // (Gateway.UnitTests.Keys.IssuerKeyManagerTests). Here: a real IdP's Cache-Control max-age, the configured bound and the
    // background service's tick, together.
    [Fact]
    public async Task HonoursMaxAge_RefreshingWithoutAnyTraffic()
    {
        var config = _fixture.Config();
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:01" };
        _fixture.Idp.JwksMaxAgeSeconds = 1; // refresh at 80 %: 0.8 s after each fetch, at the next 1 s tick (with the default bound of 1 min: never within the test)
        try
        {
            await using var gateway = await config.StartAsync();
            await gateway.WaitUntilReadyAsync();
            _fixture.Idp.ResetCounters();

            // Two refreshes in a row, with no request: the schedule repeats from each fetch's own max-age.
            await Eventually.HoldsAsync(() => _fixture.Idp.JwksFetches >= 2, TimeSpan.FromSeconds(15), "the keys were not refreshed twice within 15 s (expected every second)");
        }
        finally
        {
            _fixture.Idp.JwksMaxAgeSeconds = null;
        }
    }
}
