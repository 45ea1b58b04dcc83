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

    [Fact]
    public async Task HonoursMaxAge_RefreshingWithoutAnyTraffic()
    {
        var config = _fixture.Config();
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:01" };
        _fixture.Idp.JwksMaxAgeSeconds = 2; // refresh at 80 %: 1.6 s after each fetch
        try
        {
            await using var gateway = await config.StartAsync();
            await gateway.WaitUntilReadyAsync();
            _fixture.Idp.ResetCounters();

            await Task.Delay(TimeSpan.FromSeconds(4.5));

            Assert.InRange(_fixture.Idp.JwksFetches, 2, 3);
        }
        finally
        {
            _fixture.Idp.JwksMaxAgeSeconds = null;
        }
    }

    [Fact]
    public async Task ClampsMaxAge_ToTheConfiguredMinimum()
    {
        var config = _fixture.Config();
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:05" };
        _fixture.Idp.JwksMaxAgeSeconds = 1; // would mean a refresh every 0.8 s without the bound
        try
        {
            await using var gateway = await config.StartAsync();
            await gateway.WaitUntilReadyAsync();
            _fixture.Idp.ResetCounters();

            await Task.Delay(TimeSpan.FromSeconds(3));

            Assert.Equal(0, _fixture.Idp.JwksFetches);
        }
        finally
        {
            _fixture.Idp.JwksMaxAgeSeconds = null;
        }
    }

    [Fact]
    public async Task WithoutMaxAge_UsesTheIssuersRefreshInterval()
    {
        var config = _fixture.Config();
        config.Issuer["KeyRefreshInterval"] = "00:00:02";
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:01" };
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        _fixture.Idp.ResetCounters();

        await Task.Delay(TimeSpan.FromSeconds(3.5)); // refresh due at 1.6 s; the timer ticks every second

        Assert.InRange(_fixture.Idp.JwksFetches, 1, 2);
    }
}
