using System.Text.Json.Nodes;
using Gateway.Configuration.Rules;
using Gateway.Configuration.Schema;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// A secret never appears in a configuration error: error lines go to logs, CI output and the terminal of whoever ran
/// <c>check-config</c>. The schema marks secrets <c>writeOnly</c>; the shape check shows only the kind of value it found.
/// </summary>
public sealed class SecretRedactionTests
{
    private const string Secret = "s3cret-value-that-must-never-be-printed";

    public static TheoryData<string> SecretKeys() => new()
    {
        "Gateway:Redis:IntegrityKey",
        "Gateway:Redis:Configuration",
        "Gateway:Revocation:ApiKey",
        "Gateway:Diagnostics:Dashboard:ApiKey",
        "Gateway:Dpop:NonceKey",
        "Gateway:Issuers:main:Introspection:ClientSecret",
    };

    [Theory]
    [MemberData(nameof(SecretKeys))]
    public void SecretSetBothAsAValueAndAsASection_IsReported_WithoutItsValue(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [key] = Secret,
            [key + ":0"] = "other-layer",
        }).Build();

        var errors = ConfigShapeCheck.Check(configuration);

        Assert.Contains(errors, e => e.Path == key && e.Message.StartsWith("set both as a value (a secret: not shown) and as a section", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.ToString().Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public void SecretOfTheWrongKind_IsReported_WithoutItsValue()
    {
        using var file = new ConfigValidationTests.TempConfigFile("""{ "Gateway": { "Dpop": { "NonceKey": 98765432109876543210 } } }""");
        var configuration = new ConfigurationBuilder().AddJsonFile(file.Path).Build();

        var errors = ConfigShapeCheck.Check(configuration).Concat(ConfigShapeCheck.CheckFile(file.Path)).ToList();

        Assert.NotEmpty(errors);
        Assert.DoesNotContain(errors, e => e.ToString().Contains("98765432109876543210", StringComparison.Ordinal));
    }

    /// <summary>Every setting the placeholder rule treats as a secret is writeOnly in the schema (a new secret can't be forgotten here).</summary>
    [Fact]
    public void EverySecretSetting_IsWriteOnlyInTheSchema()
    {
        var gatewaySecrets = PlaceholderSecretRule.SecretPaths.Where(p => p.StartsWith("Gateway:", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(gatewaySecrets);
        Assert.All(gatewaySecrets, path => Assert.True(
            SchemaAt(path)?["writeOnly"]?.GetValue<bool>() == true, $"{path} is not writeOnly in config/gateway.schema.json"));
    }

    private static JsonObject? SchemaAt(string path)
    {
        JsonObject? node = GatewayConfigSchema.Document;
        foreach (var segment in path.Split(':'))
        {
            node = Deref(node);
            node = segment == "*"
                ? Deref(node?["additionalProperties"] as JsonObject)
                : Deref(node?["properties"]?[segment] as JsonObject);
        }

        return node;
    }

    private static JsonObject? Deref(JsonObject? node)
    {
        while (node?["$ref"] is JsonValue reference)
        {
            var name = reference.GetValue<string>().Split('/')[^1];
            node = GatewayConfigSchema.Document["$defs"]![name] as JsonObject;
        }

        return node;
    }
}
