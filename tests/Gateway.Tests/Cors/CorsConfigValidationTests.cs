using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Gateway.Tests.Configuration;

namespace Gateway.Tests.Cors;

/// <summary>
/// The rules of <c>Gateway:Cors</c> and of a route's <c>CorsPolicy</c>: one valid baseline with a CORS route, one change
/// per case, the error at its exact path (the same loader the gateway runs, on a file).
/// </summary>
public sealed class CorsConfigValidationTests
{
    /// <summary>The validator's baseline plus a CORS policy "web" used by route "api".</summary>
    private static JsonObject Valid()
    {
        var config = ConfigValidationTests.Valid();
        config["Gateway"]!["Cors"] = new JsonObject
        {
            ["web"] = new JsonObject
            {
                ["AllowedOrigins"] = new JsonArray("https://app.example.com", "https://*.example.com", "http://localhost:3000"),
                ["AllowedMethods"] = new JsonArray("GET", "POST"),
                ["AllowedHeaders"] = new JsonArray("Authorization", "Content-Type"),
                ["ExposedHeaders"] = new JsonArray("X-Request-Id"),
                ["AllowCredentials"] = true,
                ["MaxAge"] = "00:10:00",
            },
        };
        Route(config)["CorsPolicy"] = "web";
        return config;
    }

    private static JsonObject Web(JsonObject root) => root["Gateway"]!["Cors"]!["web"]!.AsObject();

    private static JsonObject Route(JsonObject root) => root["ReverseProxy"]!["Routes"]!["api"]!.AsObject();

    private static void Origins(JsonObject root, params string[] origins) => Web(root)["AllowedOrigins"] = new JsonArray(origins.Select(o => (JsonNode)o).ToArray());

    private sealed record Case(Action<JsonObject> Change, string Path, string Message);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["any origin with credentials"] = new(c => Origins(c, "*"), "Gateway:Cors:web:AllowedOrigins:0", "cannot be combined with AllowCredentials"),
        ["any origin beside others"] = new(c => { Origins(c, "https://a.example.com", "*"); Web(c)["AllowCredentials"] = false; }, "Gateway:Cors:web:AllowedOrigins:1", "cannot be combined with other origins"),
        ["no origin"] = new(c => Web(c)["AllowedOrigins"] = new JsonArray(""), "Gateway:Cors:web:AllowedOrigins:0", "empty origin"),
        ["origin with a path"] = new(c => Origins(c, "https://app.example.com/"), "Gateway:Cors:web:AllowedOrigins:0", "has a path"),
        ["origin without a scheme"] = new(c => Origins(c, "app.example.com"), "Gateway:Cors:web:AllowedOrigins:0", "is not an origin"),
        ["origin with capitals"] = new(c => Origins(c, "https://App.example.com"), "Gateway:Cors:web:AllowedOrigins:0", "write 'https://app.example.com'"),
        ["origin with the default port"] = new(c => Origins(c, "https://app.example.com:443"), "Gateway:Cors:web:AllowedOrigins:0", "default port"),
        ["origin with port 0"] = new(c => Origins(c, "http://localhost:0"), "Gateway:Cors:web:AllowedOrigins:0", "between 1 and 65535"),
        ["null origin"] = new(c => Origins(c, "null"), "Gateway:Cors:web:AllowedOrigins:0", "sandboxed"),
        ["wildcard inside the host"] = new(c => Origins(c, "https://app.*.example.com"), "Gateway:Cors:web:AllowedOrigins:0", "whole first label"),
        ["wildcard over a top-level domain"] = new(c => Origins(c, "https://*.com"), "Gateway:Cors:web:AllowedOrigins:0", "at least two labels"),
        ["wildcard label prefix"] = new(c => Origins(c, "https://*app.example.com"), "Gateway:Cors:web:AllowedOrigins:0", "whole first label"),
        ["origin with user info"] = new(c => Origins(c, "https://user@app.example.com"), "Gateway:Cors:web:AllowedOrigins:0", "is not an origin"),
        ["empty method list"] = new(c => Web(c)["AllowedMethods"] = new JsonArray(), "Gateway:Cors:web:AllowedMethods", "list at least one method"),
        ["lowercase method"] = new(c => Web(c)["AllowedMethods"] = new JsonArray("get"), "Gateway:Cors:web:AllowedMethods:0", "write 'GET'"),
        ["method the gateway never forwards"] = new(c => Web(c)["AllowedMethods"] = new JsonArray("GET", "TRACE"), "Gateway:Cors:web:AllowedMethods:1", "not a method the gateway forwards"),
        ["any method beside others"] = new(c => Web(c)["AllowedMethods"] = new JsonArray("*", "GET"), "Gateway:Cors:web:AllowedMethods:0", "cannot be combined"),
        ["header name with a space"] = new(c => Web(c)["AllowedHeaders"] = new JsonArray("X Trace"), "Gateway:Cors:web:AllowedHeaders:0", "not a valid header name"),
        ["exposed headers wildcard"] = new(c => Web(c)["ExposedHeaders"] = new JsonArray("*"), "Gateway:Cors:web:ExposedHeaders:0", "list the header names"),
        ["max age of two days"] = new(c => Web(c)["MaxAge"] = "2.00:00:00", "Gateway:Cors:web:MaxAge", "between 00:00:00 and 1.00:00:00"),
        ["negative max age"] = new(c => Web(c)["MaxAge"] = "-00:00:01", "Gateway:Cors:web:MaxAge", "between 00:00:00 and 1.00:00:00"),
        ["policy named Disable"] = new(c => { c["Gateway"]!["Cors"]!["Disable"] = Web(c).DeepClone(); }, "Gateway:Cors:Disable", "reserved"),
        ["unknown key in a policy"] = new(c => Web(c)["AllowOrigins"] = new JsonArray("https://a.example.com"), "Gateway:Cors:web:AllowOrigins", "unknown key 'AllowOrigins'"),
        ["route names an unknown policy"] = new(c => Route(c)["CorsPolicy"] = "mobile", "ReverseProxy:Routes:api:CorsPolicy", "unknown CORS policy 'mobile'"),
        ["route says Default without Gateway:Cors:Default"] = new(c => Route(c)["CorsPolicy"] = "Default", "ReverseProxy:Routes:api:CorsPolicy", "Gateway:Cors:Default"),
        ["route says Disable"] = new(c => Route(c)["CorsPolicy"] = "Disable", "ReverseProxy:Routes:api:CorsPolicy", "a route without one has no CORS"),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Fact]
    public async Task Baseline_IsValid()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReportsError_AtItsExactPath(string name)
    {
        var @case = Cases[name];
        var config = Valid();
        @case.Change(config);

        var errors = await ConfigValidationTests.ValidateAsync(config);

        var all = string.Join("\n", errors);
        Assert.True(errors.Any(e => e.Path == @case.Path && e.Message.Contains(@case.Message, StringComparison.Ordinal)), $"expected {@case.Path}: …{@case.Message}…, got:\n{all}");
        Assert.True(errors.Count == 1, $"expected one error, got:\n{all}");
    }

    [Fact]
    public async Task MissingAllowedOrigins_IsAnError_AtThePolicy()
    {
        var config = Valid();
        Web(config).Remove("AllowedOrigins");

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path.StartsWith("Gateway:Cors:web", StringComparison.Ordinal) && e.Message.Contains("AllowedOrigins", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyHeaderList_ReadsAsEmpty_NotAsTheDefaults()
    {
        var config = Valid();
        Web(config)["AllowedHeaders"] = new JsonArray();
        config["Gateway"]!["Cors"]!["other"] = new JsonObject { ["AllowedOrigins"] = new JsonArray("https://a.example.com") };
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
        var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();

        var (gateway, _) = Gateway.Configuration.GatewayConfigReader.Read(configuration, []);

        Assert.Empty(gateway.Cors["web"].AllowedHeaders!);
        Assert.Equal(["GET", "POST"], gateway.Cors["web"].AllowedMethods!);
        Assert.Null(gateway.Cors["other"].AllowedHeaders); // not written: the defaults
        Assert.Empty(Gateway.Cors.CorsPolicyCompiler.Compile(gateway.Cors["web"]).Headers);
        Assert.Equal(["Authorization", "Content-Type"], Gateway.Cors.CorsPolicyCompiler.Compile(gateway.Cors["other"]).Headers);
    }

    [Theory]
    [InlineData("any origin without credentials")]
    [InlineData("the Default policy")]
    [InlineData("loopback IP origins")]
    [InlineData("an app scheme")]
    [InlineData("any method and header")]
    [InlineData("no request header but the safelisted ones")]
    public async Task Accepts_ValidVariant(string name)
    {
        var config = Valid();
        switch (name)
        {
            case "any origin without credentials":
                Origins(config, "*");
                Web(config)["AllowCredentials"] = false;
                break;
            case "the Default policy":
                config["Gateway"]!["Cors"]!["Default"] = Web(config).DeepClone();
                Route(config)["CorsPolicy"] = "default"; // route values are case-insensitive, like YARP's
                break;
            case "loopback IP origins":
                Origins(config, "http://127.0.0.1:8080", "http://[::1]:8080");
                break;
            case "an app scheme":
                Origins(config, "capacitor://localhost", "https://*.apps.example.co.uk:8443");
                break;
            case "any method and header":
                Web(config)["AllowedMethods"] = new JsonArray("*");
                Web(config)["AllowedHeaders"] = new JsonArray("*");
                break;
            case "no request header but the safelisted ones":
                Web(config)["AllowedHeaders"] = new JsonArray();
                break;
        }

        var errors = await ConfigValidationTests.ValidateAsync(config);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
