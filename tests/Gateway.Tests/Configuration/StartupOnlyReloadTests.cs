using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

/// <summary>
/// A reload that changes a setting the process applies only at startup (Kestrel's limits, Redis, the management
/// listener, ...) is refused with that setting's path, and the running configuration stays, routes included. Review
/// finding: such a reload was accepted and the change silently ignored, so a lowered body limit, say, was claimed by
/// the configuration but not enforced.
/// </summary>
public sealed class StartupOnlyReloadTests : IClassFixture<IntegrationFixture>
{
    private const string RotatedIntegrityKey = "rotated-integrity-key-0123456789abcdef0123456789";

    private readonly IntegrationFixture _fixture;

    public StartupOnlyReloadTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task ALoweredBodyLimit_IsRefusedWithItsPath_AndNothingOfThatReloadApplies()
    {
        var config = _fixture.Config();
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.Mint();

        config.Set("Limits", new JsonObject { ["MaxRequestBodySize"] = 1024 }).Route("added", policy: null);
        Assert.False(await gateway.RewriteConfigAsync(config.Build()), "a reload changing a startup-only limit was accepted");

        var logs = gateway.Logs.AllText();
        Assert.Contains("Gateway:Limits:MaxRequestBodySize", logs);
        Assert.Contains("read at startup only", logs);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetWithTokenAsync("/added/x", token)).StatusCode);

        // The same route change without the startup-only one applies.
        config.Gateway.Remove("Limits");
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/added/x", token)).StatusCode);
    }

    [Fact]
    public async Task ARotatedRedisSecret_IsRefusedWithItsPath_AndNeverPrinted()
    {
        var config = _fixture.Config().WithRedis(_fixture.Redis, "jwtgw-startup-only:");
        await using var gateway = await config.StartAsync();

        config.Gateway["Redis"]!["IntegrityKey"] = RotatedIntegrityKey;
        Assert.False(await gateway.RewriteConfigAsync(config.Build()), "a reload changing the Redis integrity key was accepted");

        var logs = gateway.Logs.AllText();
        Assert.Contains("Gateway:Redis:IntegrityKey", logs);
        Assert.DoesNotContain(RotatedIntegrityKey, logs);
        Assert.DoesNotContain(TestConfig.IntegrityKey, logs);
    }

    [Fact]
    public async Task SwitchingTheDashboardOn_IsRefused_WhileSwitchingItOff_Applies()
    {
        const string key = "startup-only-dashboard-key-0123456789abcdef";
        var config = _fixture.Config().Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{FreePort.Next()}" });
        await using var gateway = await config.StartAsync();

        config.Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = key } });
        Assert.False(await gateway.RewriteConfigAsync(config.Build()), "switching the dashboard on by reload was accepted, but it is not served");
        Assert.Contains("Gateway:Diagnostics:Dashboard:Enabled", gateway.Logs.AllText());
    }
}
