using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Configuration.Schema;

namespace Gateway.UnitTests.Configuration;

/// <summary>The list of settings a reload may not change: each one a real configuration path, each change reported by its path.</summary>
public sealed class StartupOnlySettingsTests
{
    public static TheoryData<string> Paths() => new(StartupOnlySettings.Paths);

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryPath_IsASettingOfTheSchema(string path)
    {
        JsonNode? node = GatewayConfigSchema.Document;
        foreach (var segment in path.Split(':'))
        {
            node = Resolve(node)?["properties"]?[segment];
            Assert.True(node is not null, $"{path}: '{segment}' is not in config/gateway.schema.json");
        }
    }

    [Fact]
    public void AnUnchangedConfiguration_ChangesNothing()
    {
        Assert.Empty(StartupOnlySettings.ChangedBy(new GatewayOptions(), new GatewayOptions()));
    }

    [Fact]
    public void EachChange_IsReportedByItsPath_WithoutItsValue()
    {
        var startup = new GatewayOptions();
        var reloaded = startup with
        {
            Limits = startup.Limits with { MaxRequestBodySize = 1024 },
            Redis = startup.Redis with { IntegrityKey = "a-secret-that-is-never-printed-0123456789" },
            Observability = startup.Observability with { Prometheus = startup.Observability.Prometheus with { Path = "/other" } },
        };

        var errors = StartupOnlySettings.ChangedBy(startup, reloaded).ToList();

        Assert.Equal(["Gateway:Redis:IntegrityKey", "Gateway:Limits:MaxRequestBodySize", "Gateway:Observability:Prometheus:Path"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.Contains("read at startup only", e.Message));
        Assert.DoesNotContain(errors, e => e.ToString().Contains("a-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDashboard_MayBeSwitchedOff_ButNotOn()
    {
        var on = new GatewayOptions { Diagnostics = new DiagnosticsOptions { Dashboard = new DashboardOptions { Enabled = true } } };
        var off = new GatewayOptions();

        Assert.Empty(StartupOnlySettings.ChangedBy(on, off));
        Assert.Equal("Gateway:Diagnostics:Dashboard:Enabled", Assert.Single(StartupOnlySettings.ChangedBy(off, on)).Path);
    }

    private static JsonNode? Resolve(JsonNode? node)
    {
        while (node?["$ref"] is { } reference)
        {
            var target = (JsonNode?)GatewayConfigSchema.Document;
            foreach (var part in reference.GetValue<string>().TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target?[part];
            }

            node = target;
        }

        return node;
    }
}
