using System.Text.Json.Nodes;
using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary><c>Gateway:Diagnostics</c> and route <c>Metadata:ShadowPolicy</c>: defaults, accepted settings, and each error at its exact path.</summary>
public sealed class DiagnosticsConfigTests
{
    private const string Key = "dashboard-key-0123456789abcdef0123456789";

    private static JsonObject Valid(string? gatewayPart = null, JsonObject? metadata = null)
    {
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject
            {
                ["Issuers"] = new JsonObject { ["main"] = new JsonObject { ["Authority"] = "https://idp.example.com", ["Audiences"] = new JsonArray("api") } },
                ["Policies"] = new JsonObject
                {
                    ["readers"] = new JsonObject { ["Scopes"] = new JsonArray("orders:read") },
                    ["writers"] = new JsonObject { ["Scopes"] = new JsonArray("orders:write") },
                    ["open"] = new JsonObject { ["Anonymous"] = true },
                },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["api"] = new JsonObject
                    {
                        ["ClusterId"] = "backend",
                        ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" },
                        ["Metadata"] = metadata ?? new JsonObject { ["Policy"] = "readers" },
                    },
                },
                ["Clusters"] = new JsonObject { ["backend"] = new JsonObject { ["Destinations"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "https://backend.example.com/" } } } },
            },
        };
        foreach (var (key, value) in JsonNode.Parse(gatewayPart ?? "{}")!.AsObject())
        {
            config["Gateway"]![key] = value!.DeepClone();
        }

        return config;
    }

    [Fact]
    public async Task Accepts_DefaultsAndFullSettings()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid("{\"Management\":{\"Url\":\"http://127.0.0.1:9090\"},\"Diagnostics\":{\"Dashboard\":{\"Enabled\":true,\"ApiKey\":\"" + Key + "\"}}}")));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid("""{"Management":{"Url":"http://127.0.0.1:9090"},"Diagnostics":{"ExplainDenials":true,"Dashboard":{"Enabled":true}}}"""), "Development"));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(metadata: new JsonObject { ["Policy"] = "readers", ["ShadowPolicy"] = "writers" })));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(metadata: new JsonObject { ["shadowPOLICY"] = "writers" }))); // default policy, key in any case

        var defaults = new GatewayOptions();
        Assert.False(defaults.Diagnostics.ExplainDenials);
        Assert.False(defaults.Diagnostics.Dashboard.Enabled);
        Assert.Null(defaults.Diagnostics.Dashboard.ApiKey);
    }

    public static TheoryData<string, string, string> Invalid() => new()
    {
        { """{"Diagnostics":{"ExplainDenials":true}}""", "Gateway:Diagnostics:ExplainDenials", "only in the Development environment" },
        { """{"Diagnostics":{"ExplainDenials":"yes"}}""", "Gateway:Diagnostics:ExplainDenials", "'yes'" },
        { """{"Diagnostics":{"Dashboard":{"Enabled":true,"ApiKey":"dashboard-key-0123456789abcdef0123456789"}}}""", "Gateway:Diagnostics:Dashboard:Enabled", "set Gateway:Management:Url" },
        { """{"Management":{"Url":"http://127.0.0.1:9090"},"Diagnostics":{"Dashboard":{"Enabled":true}}}""", "Gateway:Diagnostics:Dashboard:ApiKey", "required outside the Development environment" },
        { """{"Management":{"Url":"http://127.0.0.1:9090"},"Diagnostics":{"Dashboard":{"Enabled":true,"ApiKey":"short"}}}""", "Gateway:Diagnostics:Dashboard:ApiKey", "at least 32 characters" },
        { """{"Management":{"Url":"http://127.0.0.1:9090"},"Diagnostics":{"Dashboard":{"Enabled":true,"ApiKey":"CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME"}}}""", "Gateway:Diagnostics:Dashboard:ApiKey", "placeholder" },
        { """{"Diagnostics":{"Dashboard":{"Enabled":"on"}}}""", "Gateway:Diagnostics:Dashboard:Enabled", "'on'" },
        { """{"Diagnostics":{"Dashbord":{}}}""", "Gateway:Diagnostics:Dashbord", "unknown key 'Dashbord'" },
        { """{"Diagnostics":{"Dashboard":{"Path":"/ops"}}}""", "Gateway:Diagnostics:Dashboard:Path", "unknown key 'Path'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Rejects_AtItsPath(string gatewayPart, string path, string message)
    {
        var errors = await ConfigValidationTests.ValidateAsync(Valid(gatewayPart));

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> InvalidShadow() => new()
    {
        { """{"Policy":"readers","ShadowPolicy":"writer"}""", "ReverseProxy:Routes:api:Metadata:ShadowPolicy", "unknown policy 'writer'" },
        { """{"Policy":"open","ShadowPolicy":"writers"}""", "ReverseProxy:Routes:api:Metadata:ShadowPolicy", "is anonymous" },
        { """{"Policy":"readers","ShadowPolicy":["writers"]}""", "ReverseProxy:Routes:api:Metadata:ShadowPolicy", "" },
        { """{"Policy":"readers","ShadowPolcy":"writers"}""", "ReverseProxy:Routes:api:Metadata:ShadowPolcy", "" },
    };

    [Theory]
    [MemberData(nameof(InvalidShadow))]
    public async Task Rejects_AShadowPolicyThatCannotBeJudged(string metadata, string path, string message)
    {
        var errors = await ConfigValidationTests.ValidateAsync(Valid(metadata: JsonNode.Parse(metadata)!.AsObject()));

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
