using System.Text.Json.Nodes;
using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary><c>Gateway:Observability</c> and <c>Gateway:Management</c>: defaults, and each error at its exact path.</summary>
public sealed class OperationsConfigTests
{
    private static JsonObject Valid(JsonObject? observability = null, JsonObject? management = null)
    {
        var gateway = new JsonObject
        {
            ["Issuers"] = new JsonObject { ["main"] = new JsonObject { ["Authority"] = "https://idp.example.com", ["Audiences"] = new JsonArray("api") } },
        };
        if (observability is not null)
        {
            gateway["Observability"] = observability;
        }

        if (management is not null)
        {
            gateway["Management"] = management;
        }

        return new JsonObject
        {
            ["Gateway"] = gateway,
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject { ["api"] = new JsonObject { ["ClusterId"] = "backend", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } } },
                ["Clusters"] = new JsonObject { ["backend"] = new JsonObject { ["Destinations"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "https://backend.example.com/" } } } },
            },
        };
    }

    [Fact]
    public async Task Accepts_DefaultsAndAFullSetting()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(
            new JsonObject { ["AccessLog"] = true, ["IncludeSubject"] = true, ["ConsoleFormat"] = "Json", ["Prometheus"] = new JsonObject { ["Enabled"] = true, ["Path"] = "/internal/metrics" } },
            new JsonObject { ["Url"] = "http://0.0.0.0:9090", ["DrainTimeout"] = "00:00:40", ["ShutdownDelay"] = "00:00:05" })));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(management: new JsonObject { ["Url"] = "http://*:9090/" })));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(management: new JsonObject { ["Url"] = "http://[::]:9090" })));

        var defaults = new GatewayOptions();
        Assert.False(defaults.Observability.AccessLog);
        Assert.False(defaults.Observability.IncludeSubject);
        Assert.False(defaults.Observability.Prometheus.Enabled);
        Assert.Equal("/metrics", defaults.Observability.Prometheus.Path);
        Assert.Equal(ConsoleLogFormat.Simple, defaults.Observability.ConsoleFormat);
        Assert.Null(defaults.Management.Url);
        Assert.Equal(TimeSpan.FromSeconds(25), defaults.Management.DrainTimeout);
        Assert.Equal(TimeSpan.Zero, defaults.Management.ShutdownDelay);
    }

    public static TheoryData<string, string, string> Invalid() => new()
    {
        { """{"Observability":{"AccesLog":true}}""", "Gateway:Observability:AccesLog", "unknown key 'AccesLog'" },
        { """{"Observability":{"Prometheus":{"Enable":true}}}""", "Gateway:Observability:Prometheus:Enable", "unknown key 'Enable'" },
        { """{"Observability":{"ConsoleFormat":"xml"}}""", "Gateway:Observability:ConsoleFormat", "'xml'" },
        { """{"Observability":{"AccessLog":"yes"}}""", "Gateway:Observability:AccessLog", "'yes'" },
        { """{"Observability":{"Prometheus":{"Path":"metrics"}}}""", "Gateway:Observability:Prometheus:Path", "not a literal path" },
        { """{"Observability":{"Prometheus":{"Path":"/m/{**x}"}}}""", "Gateway:Observability:Prometheus:Path", "not a literal path" },
        { """{"Observability":{"Prometheus":{"Path":"/healthz/ready"}}}""", "Gateway:Observability:Prometheus:Path", "is a health endpoint" },
        { """{"Management":{"Url":"http://0.0.0.0"}}""", "Gateway:Management:Url", "explicit port" },
        { """{"Management":{"Url":"https://0.0.0.0:9090"}}""", "Gateway:Management:Url", "explicit port" },
        { """{"Management":{"Url":"http://0.0.0.0:9090/admin"}}""", "Gateway:Management:Url", "explicit port" },
        { """{"Management":{"Url":"http://0.0.0.0:0"}}""", "Gateway:Management:Url", "explicit port" },
        { """{"Management":{"Url":"9090"}}""", "Gateway:Management:Url", "explicit port" },
        { """{"Management":{"DrainTimeout":"00:00:00"}}""", "Gateway:Management:DrainTimeout", "between" },
        { """{"Management":{"DrainTimeout":"soon"}}""", "Gateway:Management:DrainTimeout", "'soon'" },
        { """{"Management":{"ShutdownDelay":"-00:00:01"}}""", "Gateway:Management:ShutdownDelay", "smaller than DrainTimeout" },
        { """{"Management":{"DrainTimeout":"00:00:10","ShutdownDelay":"00:00:10"}}""", "Gateway:Management:ShutdownDelay", "smaller than DrainTimeout" },
        { """{"Management":{"Port":9090}}""", "Gateway:Management:Port", "unknown key 'Port'" },
        { """{"Revocation":{"ApiKey":"revocation-key-0123456789abcdef0123456789"}}""", "Gateway:Revocation:ApiKey", "set Gateway:Management:Url" },
        { """{"Management":{"Url":"http://127.0.0.1:9090"},"Revocation":{"ApiKey":"short"}}""", "Gateway:Revocation:ApiKey", "at least 32 characters" },
        { """{"Revocation":{"DefaultLifetime":"00:00:00"}}""", "Gateway:Revocation:DefaultLifetime", "between" },
        { """{"Revocation":{"ResyncInterval":"00:00:00.500"}}""", "Gateway:Revocation:ResyncInterval", "between" },
        { """{"Revocation":{"ApiKeys":"x"}}""", "Gateway:Revocation:ApiKeys", "unknown key 'ApiKeys'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Rejects_AtItsPath(string gatewayPart, string path, string message)
    {
        var config = Valid();
        foreach (var (key, value) in JsonNode.Parse(gatewayPart)!.AsObject())
        {
            config["Gateway"]![key] = value!.DeepClone();
        }

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
