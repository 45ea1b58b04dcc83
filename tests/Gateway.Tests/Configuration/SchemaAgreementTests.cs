using System.Reflection;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Configuration.Schema;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// config/gateway.schema.json and the options types the binder fills agree: every bindable property (by its
/// configuration key, <c>[ConfigurationKeyName]</c> included) is in the schema and nothing else is, with the
/// same kind (list, object, map, scalar type, enum names). A property added to one and not the other fails here.
/// </summary>
public sealed class SchemaAgreementTests
{
    // Where the schema says more than a type can: each exception is the whole reason it differs.
    private static readonly Dictionary<string, string> Exceptions = new(StringComparer.Ordinal)
    {
        ["RouteConfig.RouteId"] = "the route's key in ReverseProxy:Routes is its id",
        ["ClusterConfig.ClusterId"] = "the cluster's key in ReverseProxy:Clusters is its id",
        ["RouteConfig.Metadata"] = "the gateway's own keys (Policy, PassHeaders, ClaimHeader.<Header>) and X- pass-through, checked in RouteMetadata_ListsTheGatewaysKeys",
        ["HttpClientConfig.SslProtocols"] = "a flags enum, bound from one comma-separated string",
        ["ClaimRuleOptions.EqualTo"] = "a claim value may be written as a JSON number or boolean (compared by its JSON text)",
        ["ClaimRuleOptions.Contains"] = "a claim value may be written as a JSON number or boolean (compared by its JSON text)",
        ["ClaimRuleOptions.OneOf"] = "claim values may be written as JSON numbers or booleans (compared by their JSON text)",
    };

    private static JsonObject Defs => GatewayConfigSchema.Document["$defs"]!.AsObject();

    [Fact]
    public void EveryOptionsType_AgreesWithItsSchemaDefinition()
    {
        var problems = new List<string>();
        var seen = new HashSet<Type>();
        Compare(typeof(GatewayOptions), problems, seen);
        Compare(typeof(RouteConfig), problems, seen);
        Compare(typeof(ClusterConfig), problems, seen);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains(typeof(ClaimRuleOptions), seen);
        Assert.Contains(typeof(DestinationConfig), seen);
    }

    [Fact]
    public void EverySchemaDefinition_IsAnOptionsType()
    {
        var seen = new HashSet<Type>();
        Compare(typeof(GatewayOptions), [], seen);
        Compare(typeof(RouteConfig), [], seen);
        Compare(typeof(ClusterConfig), [], seen);
        var names = seen.Select(t => t.Name).Concat(["duration", "durationOrNull", "ReverseProxy"]).ToHashSet();

        Assert.DoesNotContain(Defs, d => !names.Contains(d.Key));
    }

    [Fact]
    public void Root_ListsTheSectionsTheGatewayReads()
    {
        var root = GatewayConfigSchema.Document;

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", root["$schema"]!.GetValue<string>());
        Assert.False(root["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(
            ["$schema", GatewayOptions.SectionName, ProxySection.SectionName, "Logging", "Urls", "Kestrel", "AllowedHosts", "HTTP_PORTS", "HTTPS_PORTS"],
            root["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["^OTEL_[A-Z0-9_]+$"], root["patternProperties"]!.AsObject().Select(p => p.Key)); // the OpenTelemetry SDK's settings
        Assert.Equal(["Routes", "Clusters"], Defs["ReverseProxy"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void RouteMetadata_ListsTheGatewaysKeys()
    {
        var metadata = Defs["RouteConfig"]!["properties"]!["Metadata"]!.AsObject();

        Assert.Contains(RouteMetadata.PolicyKey, metadata["properties"]!.AsObject().Select(p => p.Key));
        Assert.False(metadata["additionalProperties"]!.GetValue<bool>());
        Assert.All(metadata["patternProperties"]!.AsObject(), p => Assert.Equal("string", p.Value!["type"]!.GetValue<string>()));
    }

    [Fact]
    public void ShippedSchema_IsTheEmbeddedOne()
    {
        Assert.Equal(File.ReadAllText(RepositoryRoot.Combine("config", "gateway.schema.json")), GatewayConfigSchema.Text());
    }

    public static TheoryData<string> ShippedConfigurations()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("config"), "*.json", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(RepositoryRoot.Combine("deploy", "k8s"), "gateway*.json", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith("gateway.schema.json", StringComparison.Ordinal)))
        {
            data.Add(Path.GetRelativePath(RepositoryRoot.Combine(), file));
        }

        return data;
    }

    /// <summary>Every shipped configuration names the schema (editors complete and check it) and fits it.</summary>
    [Theory]
    [MemberData(nameof(ShippedConfigurations))]
    public void ShippedConfiguration_ReferencesTheSchema_AndFitsIt(string relativePath)
    {
        var path = RepositoryRoot.Combine(relativePath);
        var reference = JsonNode.Parse(File.ReadAllText(path))!["$schema"]?.GetValue<string>();

        Assert.NotNull(reference);
        Assert.Equal(Path.GetFullPath(RepositoryRoot.Combine("config", "gateway.schema.json")), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference)));
        Assert.Empty(ConfigShapeCheck.CheckFile(path));
    }

    private static void Compare(Type type, List<string> problems, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        if (Defs[type.Name] is not JsonObject definition)
        {
            problems.Add($"$defs/{type.Name} is missing");
            return;
        }

        var schemaProperties = definition["properties"]!.AsObject();
        if (definition["additionalProperties"]?.GetValue<bool>() != false)
        {
            problems.Add($"$defs/{type.Name}: additionalProperties must be false");
        }

        var bound = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
        {
            var key = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            bound.Add(key);
            var where = $"{type.Name}.{property.Name}";
            if (Exceptions.ContainsKey(where))
            {
                // Different in kind, but there all the same (except the ids, which are keys).
                if (schemaProperties[key] is null && key is not "RouteId" and not "ClusterId")
                {
                    problems.Add($"{where}: no '{key}' in $defs/{type.Name}");
                }

                continue;
            }

            if (schemaProperties[key] is not JsonObject schema)
            {
                problems.Add($"{where}: no '{key}' in $defs/{type.Name}");
                continue;
            }

            CompareValue(property.PropertyType, schema, where, problems, seen);
        }

        foreach (var (key, _) in schemaProperties)
        {
            if (!bound.Contains(key))
            {
                problems.Add($"$defs/{type.Name}: '{key}' is not a property of {type.Name}");
            }
        }

        foreach (var (where, _) in Exceptions.Where(e => e.Key.StartsWith(type.Name + ".", StringComparison.Ordinal)))
        {
            var name = where[(type.Name.Length + 1)..];
            if (type.GetProperty(name) is null)
            {
                problems.Add($"exception {where} names no property");
            }
        }
    }

    private static void CompareValue(Type type, JsonObject schema, string where, List<string> problems, HashSet<Type> seen)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var types = schema["type"] switch
        {
            JsonValue one => [one.GetValue<string>()],
            JsonArray many => many.Select(t => t!.GetValue<string>()).ToHashSet(),
            _ => new HashSet<string>(),
        };
        var reference = schema["$ref"]?.GetValue<string>();

        void Expect(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add($"{where}: expected {what}, schema says {schema.ToJsonString()}");
            }
        }

        if (underlying == typeof(string) || underlying == typeof(Uri) || underlying == typeof(Version))
        {
            Expect(types.Contains("string") && types.IsSubsetOf(["string", "null"]), "a string");
        }
        else if (underlying == typeof(bool))
        {
            Expect(types.Contains("boolean") && types.IsSubsetOf(["boolean", "null"]), "a boolean");
        }
        else if (underlying == typeof(int) || underlying == typeof(long))
        {
            Expect(types.Contains("integer") && types.IsSubsetOf(["integer", "null"]), "an integer");
        }
        else if (underlying == typeof(double))
        {
            Expect(types.Contains("number") && types.IsSubsetOf(["number", "null"]), "a number");
        }
        else if (underlying == typeof(TimeSpan))
        {
            Expect(reference is "#/$defs/duration" or "#/$defs/durationOrNull", "a duration");
            Expect(reference != "#/$defs/duration" || Nullable.GetUnderlyingType(type) is null, "a duration that may be null");
        }
        else if (underlying.IsEnum)
        {
            var names = schema["enum"]?.AsArray().Where(n => n is not null).Select(n => n!.GetValue<string>()).ToHashSet();
            Expect(types.Contains("string") && names is not null && names.SetEquals(Enum.GetNames(underlying)), $"the names of {underlying.Name}");
        }
        else if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            Expect(types.SetEquals(["object"]) && schema["additionalProperties"] is JsonObject, "a map");
            if (schema["additionalProperties"] is JsonObject values)
            {
                CompareValue(underlying.GetGenericArguments()[1], values, where + "[*]", problems, seen);
            }
        }
        else if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            Expect(types.SetEquals(["array"]) && schema["items"] is JsonObject, "a list");
            if (schema["items"] is JsonObject items)
            {
                CompareValue(underlying.GetGenericArguments()[0], items, where + "[]", problems, seen);
            }
        }
        else if (underlying.IsClass)
        {
            Expect(reference == $"#/$defs/{underlying.Name}", $"a reference to #/$defs/{underlying.Name}");
            Compare(underlying, problems, seen);
        }
        else
        {
            problems.Add($"{where}: the test does not know {underlying}");
        }
    }
}
