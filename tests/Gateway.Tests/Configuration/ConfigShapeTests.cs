using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Configuration.Schema;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// The shape of the configuration (config/gateway.schema.json) is checked before binding: each value's exact JSON
/// type at any depth, list items, unknown keys (routes, metadata, requirement groups), and the merged layers
/// (environment variables, command line). Each mistake listed in issue 10 was accepted before and silently
/// weakened a policy; each is now an error at its exact path.
/// </summary>
public sealed class ConfigShapeTests
{
    private static JsonObject Valid() => JsonNode.Parse("""
        {
          "$schema": "./gateway.schema.json",
          "Gateway": {
            "Issuers": { "main": { "Authority": "https://idp.example.com", "Audiences": [ "api" ] } },
            "Policies": { "admin": { "Roles": [ "admin" ] } },
            "ClaimHeaders": [ { "Header": "X-User-Id", "Claim": "sub" } ]
          },
          "ReverseProxy": {
            "Routes": { "admin": { "ClusterId": "backend", "Match": { "Path": "/admin/{**rest}" }, "Metadata": { "Policy": "admin" } } },
            "Clusters": { "backend": { "Destinations": { "b1": { "Address": "https://backend.example.com/" } } } }
          }
        }
        """)!.AsObject();

    private static JsonObject Admin(JsonObject root) => root["Gateway"]!["Policies"]!["admin"]!.AsObject();

    private static JsonObject Route(JsonObject root) => root["ReverseProxy"]!["Routes"]!["admin"]!.AsObject();

    private static JsonObject Metadata(JsonObject root) => Route(root)["Metadata"]!.AsObject();

    private sealed record Case(Action<JsonObject> Change, string Path, string Message);

    // Each case: one mistake from issue 10, where it is reported, and part of what is said.
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["Roles as a string"] = new(c => Admin(c)["Roles"] = "admin", "Gateway:Policies:admin:Roles", "expected a list, found the string 'admin'"),
        ["Roles as a list of lists"] = new(c => Admin(c)["Roles"] = JsonNode.Parse("""[["admin"]]"""), "Gateway:Policies:admin:Roles:0", "expected a string, found a list"),
        ["Roles as an object with an index key"] = new(c => Admin(c)["Roles"] = JsonNode.Parse("""{"0":"admin","x":"y"}"""), "Gateway:Policies:admin:Roles", "expected a list, found an object"),
        ["Roles as an object of indexes only"] = new(c => Admin(c)["Roles"] = JsonNode.Parse("""{"0":"admin"}"""), "Gateway:Policies:admin:Roles", "expected a list, found an object"),
        ["Scopes as a string"] = new(c => Admin(c)["Scopes"] = "read", "Gateway:Policies:admin:Scopes", "expected a list"),
        ["policy Issuers as a string"] = new(c => Admin(c)["Issuers"] = "main", "Gateway:Policies:admin:Issuers", "expected a list"),
        ["policy Issuers [null]"] = new(c => Admin(c)["Issuers"] = new JsonArray((JsonNode?)null), "Gateway:Policies:admin:Issuers:0", "expected a string, found null"),
        ["Algorithms as a string"] = new(c => c["Gateway"]!["Issuers"]!["main"]!["Algorithms"] = "RS256", "Gateway:Issuers:main:Algorithms", "expected a list"),
        ["StripHeaders as a string"] = new(c => c["Gateway"]!["StripHeaders"] = "X-Internal", "Gateway:StripHeaders", "expected a list"),
        ["TokenSources Headers as a string"] = new(c => c["Gateway"]!["TokenSources"] = new JsonObject { ["Headers"] = "X-Token" }, "Gateway:TokenSources:Headers", "expected a list"),
        ["Claims as an object"] = new(c => Admin(c)["Claims"] = JsonNode.Parse("""{ "Claim": "org.tenant", "Equals": "acme" }"""), "Gateway:Policies:admin:Claims", "expected a list, found an object"),
        ["Exists maybe"] = new(c => Admin(c)["Claims"] = JsonNode.Parse("""[ { "Claim": "act", "Exists": "maybe" } ]"""), "Gateway:Policies:admin:Claims:0:Exists", "expected true or false, found the string 'maybe'"),
        ["Exists as the string true"] = new(c => Admin(c)["Claims"] = JsonNode.Parse("""[ { "Claim": "act", "Exists": "true" } ]"""), "Gateway:Policies:admin:Claims:0:Exists", "expected true or false, found the string 'true'"),
        ["ClaimHeaders as an object"] = new(c => c["Gateway"]!["ClaimHeaders"] = JsonNode.Parse("""{ "X-User-Id": "sub" }"""), "Gateway:ClaimHeaders", "expected a list, found an object"),
        ["ClaimHeader without Claim"] = new(c => c["Gateway"]!["ClaimHeaders"] = JsonNode.Parse("""[ { "Header": "X-User-Id" } ]"""), "Gateway:ClaimHeaders:0", "Claim"),
        ["Metadata Policy as a list"] = new(c => Metadata(c)["Policy"] = new JsonArray("admin"), "ReverseProxy:Routes:admin:Metadata:Policy", "expected a string, found a list"),
        ["Metadata Policy typo"] = new(c => { Metadata(c).Remove("Policy"); Metadata(c)["Polcy"] = "admin"; }, "ReverseProxy:Routes:admin:Metadata:Polcy", "did you mean 'Policy'?"),
        ["Metadata unknown key"] = new(c => Metadata(c)["Team"] = "orders", "ReverseProxy:Routes:admin:Metadata:Team", "unknown key 'Team'"),
        ["Metadata value a number"] = new(c => Metadata(c)["X-Cost"] = 5, "ReverseProxy:Routes:admin:Metadata:X-Cost", "expected a string, found the number 5"),
        ["Route for Routes"] = new(c => c["ReverseProxy"]!["Route"] = c["ReverseProxy"]!["Routes"]!.DeepClone(), "ReverseProxy:Route", "did you mean 'Routes'?"),
        ["Hosts as a string"] = new(c => Route(c)["Match"]!["Hosts"] = "admin.example.com", "ReverseProxy:Routes:admin:Match:Hosts", "expected a list"),
        ["unknown key in a route"] = new(c => Route(c)["Policy"] = "admin", "ReverseProxy:Routes:admin:Policy", "unknown key 'Policy'"),
        ["unknown root key"] = new(c => c["Gateways"] = new JsonObject(), "Gateways", "did you mean 'Gateway'?"),
        ["AnyOf with an empty group"] = new(c => Admin(c)["AnyOf"] = JsonNode.Parse("""[ { "Roles": [ "admin" ] }, {} ]"""), "Gateway:Policies:admin:AnyOf:1", "empty requirement group"),
        ["AnyOf with null"] = new(c => Admin(c)["AnyOf"] = JsonNode.Parse("""[ { "Roles": [ "admin" ] }, null ]"""), "Gateway:Policies:admin:AnyOf:1", "expected an object, found null"),
        ["AnyOf with only empty lists"] = new(c => Admin(c)["AnyOf"] = JsonNode.Parse("""[ { "Roles": [ "admin" ] }, { "Scopes": [] } ]"""), "Gateway:Policies:admin:AnyOf:1", "empty requirement group"),
        ["AnyOf with a nested empty group"] = new(c => Admin(c)["AnyOf"] = JsonNode.Parse("""[ { "Roles": [ "admin" ] }, { "AnyOf": [ {} ] } ]"""), "Gateway:Policies:admin:AnyOf:1:AnyOf:0", "empty requirement group"),
        ["unknown key in a group"] = new(c => Admin(c)["AllOf"] = JsonNode.Parse("""[ { "Role": [ "admin" ] } ]"""), "Gateway:Policies:admin:AllOf:0:Role", "did you mean 'Roles'?"),
        ["policy requiring nothing"] = new(c => c["Gateway"]!["Policies"]!["admin"] = new JsonObject { ["Anonymous"] = false }, "Gateway:Policies:admin", "\"AnyValidToken\": true"),
        ["policy with only claim headers"] = new(c => c["Gateway"]!["Policies"]!["admin"] = JsonNode.Parse("""{ "ClaimHeaders": [ { "Header": "X-Tenant", "Claim": "org.tenant" } ] }"""), "Gateway:Policies:admin", "requires nothing"),
        ["AnyValidToken with roles"] = new(c => Admin(c)["AnyValidToken"] = true, "Gateway:Policies:admin:AnyValidToken", "remove it, or remove the issuers"),
        ["AnyValidToken with issuers"] = new(c => c["Gateway"]!["Policies"]!["admin"] = JsonNode.Parse("""{ "AnyValidToken": true, "Issuers": [ "main" ] }"""), "Gateway:Policies:admin:AnyValidToken", "remove it"),
        ["AnyValidToken and Anonymous"] = new(c => c["Gateway"]!["Policies"]!["admin"] = JsonNode.Parse("""{ "AnyValidToken": true, "Anonymous": true }"""), "Gateway:Policies:admin:AnyValidToken", "exclude each other"),
        ["enum value unknown"] = new(c => c["Gateway"]!["Observability"] = new JsonObject { ["ConsoleFormat"] = "Xml" }, "Gateway:Observability:ConsoleFormat", "'Xml' is not one of 'Simple', 'Json'"),
        ["integer as a string"] = new(c => c["Gateway"]!["Limits"] = new JsonObject { ["MaxTokenLength"] = "8192" }, "Gateway:Limits:MaxTokenLength", "expected an integer, found the string '8192'"),
        ["integer with a fraction"] = new(c => c["Gateway"]!["Limits"] = new JsonObject { ["MaxTokenLength"] = 8192.5 }, "Gateway:Limits:MaxTokenLength", "expected an integer, found the number 8192.5"),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Fact]
    public async Task BaseConfiguration_IsValid()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Mistake_IsAnError_AtItsExactPath(string name)
    {
        var config = Valid();
        Cases[name].Change(config);

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.True(
            errors.Any(e => e.Path == Cases[name].Path && e.Message.Contains(Cases[name].Message, StringComparison.Ordinal)),
            $"expected {Cases[name].Path}: …{Cases[name].Message}…, got:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public async Task FileErrors_NameTheFile()
    {
        var config = Valid();
        Admin(config)["Roles"] = "admin";

        var error = Assert.Single(await ConfigValidationTests.ValidateAsync(config));

        Assert.Equal("Gateway:Policies:admin:Roles: expected a list, found the string 'admin' (in gateway.json)", error.ToString());
    }

    [Fact]
    public async Task ManyShapeErrors_AreAllReported_NoneHidesAnother()
    {
        var config = Valid();
        Admin(config)["Roles"] = "admin";
        Admin(config)["Issuers"] = new JsonArray((JsonNode?)null);
        Metadata(config)["Polcy"] = "admin";
        config["Gateway"]!["ClaimHeaders"] = new JsonObject();
        config["ReverseProxy"]!["Route"] = new JsonObject();

        var paths = (await ConfigValidationTests.ValidateAsync(config)).Select(e => e.Path).ToList();

        Assert.Superset(
            new HashSet<string> { "Gateway:Policies:admin:Roles", "Gateway:Policies:admin:Issuers:0", "ReverseProxy:Routes:admin:Metadata:Polcy", "Gateway:ClaimHeaders", "ReverseProxy:Route" },
            paths.ToHashSet());
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("POLICY")]
    public async Task MetadataKeys_AreCaseInsensitive_AsAtRuntime(string key)
    {
        var config = Valid();
        Metadata(config).Remove("Policy");
        Metadata(config)[key] = "nope";

        var errors = await ConfigValidationTests.ValidateAsync(config);

        // The key is the gateway's Policy key: its value is checked (the runtime reads it the same way).
        Assert.Contains(errors, e => e.Path == "ReverseProxy:Routes:admin:Metadata:Policy" && e.Message.Contains("unknown policy 'nope'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Accepts_PassThroughMetadata_ClaimHeaderKeys_AnyValidToken_AndKeysInAnyCase()
    {
        var config = Valid();
        Metadata(config)["X-Team"] = "orders";
        Metadata(config)["x-cost-center"] = "42";
        Metadata(config)["claimheader.X-Tenant"] = "org.tenant";
        config["Gateway"]!["Policies"]!["any"] = new JsonObject { ["AnyValidToken"] = true };
        config["Gateway"]!["Policies"]!["main-only"] = new JsonObject { ["Issuers"] = new JsonArray("main") };
        config["Gateway"]!["Policies"]!["lower"] = JsonNode.Parse("""{ "roles": [ "a" ], "anyOf": [ { "scopes": [ "x" ] } ] }""");

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    // The merged configuration: environment variables and the command line are layered on the files.
    public static TheoryData<string, string?, string, string> MergedCases() => new()
    {
        { "Gateway:Policies:admin:Roles", "admin", "Gateway:Policies:admin:Roles", "set both as the value 'admin' and as a section" },
        { "Gateway:Policies:ops:Roles", "ops", "Gateway:Policies:ops:Roles", "expected a list, found the value 'ops'" },
        { "Gateway:Policies:admin:Claims:0:Exists", "maybe", "Gateway:Policies:admin:Claims:0:Exists", "expected true or false, found the value 'maybe'" },
        { "Gateway:Policies:admin:Roles:x", "y", "Gateway:Policies:admin:Roles", "expected a list, found a section with keys '0', 'x'" },
        { "Gateway:ForwardAuthorizationHeader", "", "Gateway:ForwardAuthorizationHeader", "expected true or false, found the value ''" },
        { "Gateway:Limits:MaxTokenLength", "lots", "Gateway:Limits:MaxTokenLength", "expected an integer, found the value 'lots'" },
        { "ReverseProxy:Routes:admin:Metadata:Polcy", "admin", "ReverseProxy:Routes:admin:Metadata:Polcy", "did you mean 'Policy'?" },
        { "ReverseProxy:Routes:admin:Metadata:Policy:0", "admin", "ReverseProxy:Routes:admin:Metadata:Policy", "expected a string" },
        { "ReverseProxy:Route:x:ClusterId", "backend", "ReverseProxy:Route", "did you mean 'Routes'?" },
        { "Gateway:Policies:admin:AnyOf:0:Scopes", "", "Gateway:Policies:admin:AnyOf:0", "empty requirement group" },
    };

    [Theory]
    [MemberData(nameof(MergedCases))]
    public async Task MergedLayers_AreCheckedTheSameWay(string key, string? value, string path, string message)
    {
        var errors = await ConfigValidationTests.ValidateAsync(Valid(), overrides: new Dictionary<string, string?> { [key] = value });

        Assert.True(
            errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)),
            $"expected {path}: …{message}…, got:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public async Task MergedLayers_ThatFitTheShape_AreAccepted()
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Gateway:Policies:ops:Roles:0"] = "ops",
            ["Gateway:Policies:ops:Claims:0:Claim"] = "act",
            ["Gateway:Policies:ops:Claims:0:Exists"] = "False",
            ["Gateway:ForwardAuthorizationHeader"] = "false",
            ["Gateway:Limits:MaxTokenLength"] = "4096",
            ["Gateway:Observability:ConsoleFormat"] = "json",
            ["Gateway:Redis:Configuration"] = "",
            ["ReverseProxy:Routes:admin:Metadata:X-Owner"] = "team-a",
            ["PATH"] = "/usr/bin", // the rest of the environment is not the gateway's
        };

        var errors = await ConfigValidationTests.ValidateAsync(Valid(), overrides: overrides);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void MergedError_NamesTheEnvironmentVariableThatSetIt()
    {
        // A prefix of its own: gateways that other tests start at the same time read the unprefixed environment.
        const string prefix = "SHAPECHECK_";
        const string variable = prefix + "Gateway__Policies__envcheck__Roles";
        Environment.SetEnvironmentVariable(variable, "admin");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();

            var error = Assert.Single(ConfigShapeCheck.Check(configuration), e => e.Path == "Gateway:Policies:envcheck:Roles");

            Assert.Contains("expected a list, found the value 'admin' (set by environment variable SHAPECHECK_Gateway__Policies__envcheck__Roles)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void MergedError_NamesTheCommandLineArgumentThatSetIt()
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(["--Gateway:TokenSources:Headers=X-Token"]).Build();

        var error = Assert.Single(ConfigShapeCheck.Check(configuration));

        Assert.Equal("Gateway:TokenSources:Headers: expected a list, found the value 'X-Token' (set on the command line as --Gateway:TokenSources:Headers)", error.ToString());
    }

    /// <summary>The real gateway refuses to start when a command-line layer turns a list into a value.</summary>
    [Fact]
    public async Task Startup_RefusesAListOverriddenByAValue_OnTheCommandLine()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() =>
            Infrastructure.GatewayInstance.StartAsync(Valid(), "Production", "--Gateway:Policies:ops:Roles=ops", "--Gateway:Policies:admin:Roles=root"));

        Assert.Contains(ex.Errors, e => e.Path == "Gateway:Policies:ops:Roles" && e.Message.StartsWith("expected a list, found the value 'ops' (set on the command line", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "Gateway:Policies:admin:Roles" && e.Message.StartsWith("set both as the value 'root' and as a section", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckConfig_IssuersNull_ReportsAnError_InsteadOfCrashing()
    {
        var config = Valid();
        Admin(config)["Issuers"] = new JsonArray((JsonNode?)null);
        using var file = new ConfigValidationTests.TempConfigFile(config.ToJsonString());

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("  Gateway:Policies:admin:Issuers:0: expected a string, found null (in gateway.json)", stderr);
    }

    public static TheoryData<string> IssueReproductions() => new()
    {
        { """{ "Roles": "admin" }""" },
        { """{ "Roles": [ [ "admin" ] ] }""" },
        { """{ "Roles": { "0": "admin", "x": "y" } }""" },
        { """{ "Roles": [ "admin" ], "Claims": [ { "Claim": "act", "Exists": "maybe" } ] }""" },
        { """{ "Roles": [ "admin" ], "Claims": { "Claim": "org.tenant", "Equals": "acme" } }""" },
        { """{ "AnyOf": [ { "Roles": [ "admin" ] }, {} ] }""" },
        { """{ "AnyOf": [ { "Roles": [ "admin" ] }, null ] }""" },
        { """{ "AnyOf": [ { "Roles": [ "admin" ] }, { "Scopes": [] } ] }""" },
        { """{ "AnyOf": [ { "Roles": [ "admin" ] }, { "AnyOf": [ {} ] } ] }""" },
        { """{ "Roles": [ "admin" ], "Issuers": [ null ] }""" },
    };

    /// <summary>Issue 10's reproductions, through <c>check-config</c>: each said "valid" before.</summary>
    [Theory]
    [MemberData(nameof(IssueReproductions))]
    public async Task CheckConfig_RefusesEachReproduction(string adminPolicy)
    {
        var config = Valid();
        config["Gateway"]!["Policies"]!["admin"] = JsonNode.Parse(adminPolicy);
        using var file = new ConfigValidationTests.TempConfigFile(config.ToJsonString());

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.True(exit == 1, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("  Gateway:Policies:admin:", stderr);
    }

    [Fact]
    public async Task CheckConfig_MetadataTypoAndRouteTypo_AreRefused()
    {
        var config = Valid();
        Metadata(config).Remove("Policy");
        Metadata(config)["Polcy"] = "admin";
        config["ReverseProxy"]!["Route"] = config["ReverseProxy"]!["Routes"]!.DeepClone();
        using var file = new ConfigValidationTests.TempConfigFile(config.ToJsonString());

        var (exit, _, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.Equal(1, exit);
        Assert.Contains("  ReverseProxy:Routes:admin:Metadata:Polcy: unknown key 'Polcy' (did you mean 'Policy'?)", stderr);
        Assert.Contains("  ReverseProxy:Route: unknown key 'Route' (did you mean 'Routes'?)", stderr);
    }

    /// <summary>
    /// How .NET's JSON provider flattens empty values, which the merged check relies on: <c>null</c> and <c>{}</c>
    /// become a key with a null value (<see cref="ShapeKind.Absent"/>), <c>[]</c> the value "" (an empty list).
    /// </summary>
    [Fact]
    public void JsonProvider_FlattensNullEmptyObjectAndEmptyList_AsTheShapeCheckExpects()
    {
        using var file = new ConfigValidationTests.TempConfigFile("""{ "Gateway": { "a": null, "b": {}, "c": [], "d": [ null ] } }""");
        var configuration = new ConfigurationBuilder().AddJsonFile(file.Path, optional: false).Build();
        var gateway = ShapeNode.FromConfiguration(configuration.GetSection("Gateway"));

        Assert.Equal(ShapeKind.Absent, gateway.Children.Single(c => c.Key == "a").Kind);
        Assert.Equal(ShapeKind.Absent, gateway.Children.Single(c => c.Key == "b").Kind);
        var emptyList = gateway.Children.Single(c => c.Key == "c");
        Assert.Equal((ShapeKind.Text, ""), (emptyList.Kind, emptyList.Text));
        Assert.Equal(ShapeKind.Absent, gateway.Children.Single(c => c.Key == "d").Children.Single().Kind);
    }
}
