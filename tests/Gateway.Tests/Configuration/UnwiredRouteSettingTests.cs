using System.Net;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

/// <summary>
/// YARP route settings that need an ASP.NET Core middleware the gateway does not run (request timeouts, output
/// caching), and CORS or rate-limit policy names no <c>Gateway:Cors</c> / <c>Gateway:RateLimits</c> policy backs.
/// Accepted, they made every request on the route answer 500 (CORS, timeouts) or did nothing (rate limiting, output
/// caching); now the real gateway refuses them at startup and on reload, with the setting's path and what to use instead.
/// </summary>
public sealed class UnwiredRouteSettingTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public UnwiredRouteSettingTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    /// <summary>An anonymous route /open/** (no token needed), so a refusal can only come from the setting.</summary>
    private TestConfig OpenRoute() => _fixture.Config()
        .Policy("public", new JsonObject { ["Anonymous"] = true })
        .Route("open", "public");

    [Theory]
    [InlineData("CorsPolicy", "Default", "Gateway:Cors:Default")]
    [InlineData("CorsPolicy", "Disable", "a route without one has no CORS")]
    [InlineData("CorsPolicy", "web", "unknown CORS policy 'web'")]
    [InlineData("Timeout", "00:00:30", "HttpRequest:ActivityTimeout")]
    [InlineData("TimeoutPolicy", "Disable", "HttpRequest:ActivityTimeout")]
    [InlineData("RateLimiterPolicy", "Default", "define it in Gateway:RateLimits")]
    [InlineData("OutputCachePolicy", "short", "output caching is not supported")]
    public async Task Startup_RefusesTheSetting_WithWhatToUseInstead(string setting, string value, string hint)
    {
        var config = OpenRoute();
        config.Routes["open"]![setting] = value;

        GatewayInstance? started = null;
        var exception = await Record.ExceptionAsync(async () => started = await config.StartAsync());
        if (started is not null)
        {
            // What the route did while the setting was accepted: 500 for every request (CORS, timeouts).
            using var response = await started.Client.GetAsync("/open/x");
            await started.DisposeAsync();
            Assert.Fail($"the gateway started with {setting} = {value}; GET /open/x answered {(int)response.StatusCode}");
        }

        var refused = Assert.IsType<GatewayConfigurationException>(exception);
        var error = Assert.Single(refused.Errors, e => e.Path == $"ReverseProxy:Routes:open:{setting}");
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
        Assert.Contains("environment: Production; files: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_RefusesTheSetting_AndTheRouteKeepsServing_TheLogNamesEnvironmentAndFiles()
    {
        await using var gateway = await OpenRoute().StartAsync();
        var changed = OpenRoute();
        changed.Routes["open"]!["CorsPolicy"] = "Default";

        Assert.False(await gateway.RewriteConfigAsync(changed.Build()));

        using var response = await gateway.Client.GetAsync("/open/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = gateway.Logs.AllText();
        Assert.Contains("ReverseProxy:Routes:open:CorsPolicy", log, StringComparison.Ordinal);
        Assert.Contains($"environment: Production; files: {gateway.ConfigFile}", log, StringComparison.Ordinal);
    }
}
