using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Hosting;

/// <summary>
/// The settings read once at startup come from one validated read of the whole configuration: an invalid one stops
/// the start with every error and its exact path; a valid one hands each registration the values the files and
/// overrides say.
/// </summary>
public sealed class GatewayStartupSettingsTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["Gateway:Issuers:main:Authority"] = "https://idp.example.com",
        ["Gateway:Issuers:main:Audiences:0"] = "api",
        ["Gateway:Policies:p:Scopes:0"] = "read",
        ["ReverseProxy:Routes:api:ClusterId"] = "backend",
        ["ReverseProxy:Routes:api:Match:Path"] = "/api/{**rest}",
        ["ReverseProxy:Routes:api:Metadata:Policy"] = "p",
        ["ReverseProxy:Clusters:backend:Destinations:b1:Address"] = "https://backend.example.com/",
    };

    private static Task<GatewayStartupSettings> LoadAsync(Dictionary<string, string?> values, string environment = "Production") =>
        GatewayStartupSettings.LoadAsync(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), environment);

    [Fact]
    public async Task ValidConfiguration_GivesTheRegistrationsItsValues()
    {
        var values = Valid();
        values["Gateway:Redis:Configuration"] = "127.0.0.1:6379";
        values["Gateway:Redis:IntegrityKey"] = new string('k', 40);
        values["Gateway:Redis:KeyPrefix"] = "fleet-a:";
        values["Gateway:Limits:MaxRequestHeaderCount"] = "50";
        values["Gateway:Management:Url"] = "http://127.0.0.1:9090";
        values["Gateway:Development:DemoDownstreamUrl"] = "http://127.0.0.1:5100"; // Development only
        values["Urls"] = "http://127.0.0.1:8080";

        var settings = await LoadAsync(values, "Development");

        Assert.True(settings.UsesRedis);
        Assert.Equal("fleet-a:", settings.Redis.KeyPrefix);
        Assert.Equal(50, settings.Limits.MaxRequestHeaderCount);
        Assert.Equal("http://127.0.0.1:9090", settings.Management.Url);
        Assert.Equal("http://127.0.0.1:5100", settings.Development.DemoDownstreamUrl);
        Assert.Equal("http://127.0.0.1:8080", settings.ServerUrls);
        Assert.Equal("Development", settings.EnvironmentName);
    }

    [Fact]
    public async Task Defaults_WhenNothingIsSet()
    {
        var settings = await LoadAsync(Valid());

        Assert.Equal("Production", settings.EnvironmentName);
        Assert.False(settings.UsesRedis);
        Assert.Equal(new LimitOptions(), settings.Limits);
        Assert.Null(settings.Backchannel.CaBundlePath);
        Assert.Null(settings.ServerUrls);
    }

    [Fact]
    public async Task InvalidConfiguration_StopsTheStart_WithEveryErrorAndItsPath()
    {
        var values = Valid();
        values["Gateway:Redis:Configuration"] = "127.0.0.1:6379"; // no integrity key
        values["Gateway:Limits:MaxRequestHeaderCount"] = "many";

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => LoadAsync(values));

        Assert.Contains(error.Errors, e => e.Path == "Gateway:Redis:IntegrityKey");
        Assert.Contains(error.Errors, e => e.Path == "Gateway:Limits:MaxRequestHeaderCount");
    }
}
