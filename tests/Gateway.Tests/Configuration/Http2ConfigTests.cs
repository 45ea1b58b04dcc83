using System.Text.Json.Nodes;
using Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// What gRPC and WebSockets over HTTP/2 need from the configuration: a cluster speaking HTTP/2 to its destinations
/// (<c>HttpRequest:Version</c> in YARP's documented form <c>"2"</c> as well as <c>"2.0"</c>) and HTTP/2 listeners.
/// </summary>
public sealed class Http2ConfigTests
{
    private static JsonObject Cluster(JsonObject root) => root["ReverseProxy"]!["Clusters"]!["backend"]!.AsObject();

    private static ClusterConfigRead Read(JsonObject config)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()))).Build();
        var errors = new List<ConfigError>();
        var (_, proxy) = GatewayConfigReader.Read(configuration, errors);
        return new(proxy.Clusters.SingleOrDefault(c => c.ClusterId == "backend")?.HttpRequest?.Version, errors);
    }

    private sealed record ClusterConfigRead(Version? Version, List<ConfigError> Errors);

    [Theory]
    [InlineData("2", "2.0")]
    [InlineData("3", "3.0")]
    [InlineData("1.1", "1.1")]
    [InlineData("2.0", "2.0")]
    public async Task ClusterVersion_IsReadAsYarpReadsIt(string written, string expected)
    {
        var config = ConfigValidationTests.Valid();
        Cluster(config)["HttpRequest"] = new JsonObject { ["Version"] = written, ["VersionPolicy"] = "RequestVersionExact" };

        var read = Read(config);

        Assert.Empty(read.Errors);
        Assert.Equal(Version.Parse(expected), read.Version);
        Assert.Empty(await ConfigValidationTests.ValidateAsync(config));
    }

    [Theory]
    [InlineData("two")]
    [InlineData("-2")]
    [InlineData("2.x")]
    public async Task ClusterVersion_ThatIsNoVersion_IsAnErrorWithItsPath(string written)
    {
        var config = ConfigValidationTests.Valid();
        Cluster(config)["HttpRequest"] = new JsonObject { ["Version"] = written };

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path == "ReverseProxy:Clusters:backend:HttpRequest:Version");
    }

    [Fact]
    public async Task CleartextHttp2Listener_BesideAnHttp1One_IsAccepted()
    {
        var config = ConfigValidationTests.Valid();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["Grpc"] = new JsonObject { ["Url"] = "http://0.0.0.0:8081", ["Protocols"] = "Http2" },
                ["Http"] = new JsonObject { ["Url"] = "http://0.0.0.0:8080", ["Protocols"] = "Http1" },
            },
        };
        Cluster(config)["HttpRequest"] = new JsonObject { ["Version"] = "2", ["VersionPolicy"] = "RequestVersionExact" };

        Assert.Empty(await ConfigValidationTests.ValidateAsync(config));
    }

    [Fact]
    public async Task ListenerProtocols_ThatAreNoProtocol_AreAnErrorWithTheirPath()
    {
        var config = ConfigValidationTests.Valid();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject { ["Grpc"] = new JsonObject { ["Url"] = "http://0.0.0.0:8081", ["Protocols"] = "H2c" } },
        };

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path == "Kestrel:Endpoints:Grpc:Protocols");
    }

    [Theory]
    [InlineData("Http1AndHttp2", "serves HTTP/1.1 only")]
    [InlineData("Http3", "HTTP/3 needs TLS")]
    [InlineData("Http1AndHttp2AndHttp3", "HTTP/3 needs TLS")]
    public async Task CleartextEndpoint_WithProtocolsItCannotServe_IsAnErrorWithItsPath(string protocols, string message)
    {
        var config = ConfigValidationTests.Valid();
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject { ["Public"] = new JsonObject { ["Url"] = "http://0.0.0.0:8080", ["Protocols"] = protocols } },
        };

        var errors = await ConfigValidationTests.ValidateAsync(config);

        var error = Assert.Single(errors);
        Assert.Equal("Kestrel:Endpoints:Public:Protocols", error.Path);
        Assert.Contains(message, error.Message);
    }
}
