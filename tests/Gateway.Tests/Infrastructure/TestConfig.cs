using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>Builds gateway configuration JSON for tests, starting from a working default.</summary>
public sealed class TestConfig
{
    public TestConfig(IntegrationFixture fixture)
    {
        Root = new JsonObject
        {
            ["Gateway"] = new JsonObject
            {
                ["Issuers"] = new JsonObject
                {
                    ["test"] = new JsonObject
                    {
                        ["Authority"] = fixture.Idp.Issuer,
                        ["RequireHttpsMetadata"] = false,
                        ["Audiences"] = new JsonArray("api"),
                        ["UnknownKidRefreshInterval"] = "00:00:02",
                    },
                },
                ["Policies"] = new JsonObject(),
                ["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-User-Id", ["Claim"] = "sub" }),
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["api"] = new JsonObject
                    {
                        ["ClusterId"] = "downstream",
                        ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" },
                    },
                },
                ["Clusters"] = new JsonObject
                {
                    ["downstream"] = new JsonObject
                    {
                        ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = fixture.Downstream.BaseAddress } },
                    },
                },
            },
        };
    }

    /// <summary>The shared secret the test replicas sign Redis entries with.</summary>
    public const string IntegrityKey = "test-integrity-key-0123456789abcdef0123456789";

    public JsonObject Root { get; }

    public JsonObject Gateway => Root["Gateway"]!.AsObject();

    public JsonObject Issuer => Gateway["Issuers"]!["test"]!.AsObject();

    public JsonObject Routes => Root["ReverseProxy"]!["Routes"]!.AsObject();

    public TestConfig Policy(string name, JsonObject policy)
    {
        Gateway["Policies"]![name] = policy;
        return this;
    }

    /// <summary>Adds route <c>/{prefix}/**</c> bound to <paramref name="policy"/> (null: the default policy).</summary>
    public TestConfig Route(string prefix, string? policy, JsonObject? extraMetadata = null)
    {
        var metadata = extraMetadata ?? new JsonObject();
        if (policy is not null)
        {
            metadata["Policy"] = policy;
        }

        Routes[prefix] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Match"] = new JsonObject { ["Path"] = $"/{prefix}/{{**rest}}" },
            ["Metadata"] = metadata,
        };
        return this;
    }

    public TestConfig ClaimHeaders(params (string Header, string Claim)[] mappings)
    {
        Gateway["ClaimHeaders"] = new JsonArray(mappings.Select(m => (JsonNode)new JsonObject { ["Header"] = m.Header, ["Claim"] = m.Claim }).ToArray());
        return this;
    }

    public TestConfig Set(string key, JsonNode? value)
    {
        Gateway[key] = value;
        return this;
    }

    public TestConfig WithRedis(RedisServer redis, string prefix = "jwtgw-test:")
    {
        Gateway["Redis"] = new JsonObject { ["Configuration"] = redis.ConnectionString, ["KeyPrefix"] = prefix, ["IntegrityKey"] = IntegrityKey };
        return this;
    }

    public JsonObject Build() => (JsonObject)Root.DeepClone();

    public Task<GatewayInstance> StartAsync(string environment = "Production") => GatewayInstance.StartAsync(Build(), environment);
}
