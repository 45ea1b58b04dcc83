using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Observability;

/// <summary>The Grafana dashboard in deploy/grafana/ only queries metrics the gateway really exposes.</summary>
public sealed partial class GrafanaDashboardTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public GrafanaDashboardTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task EveryMetricTheDashboardQueries_IsInThePrometheusScrape()
    {
        var dashboard = await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "grafana", "jwt-gateway-dashboard.json"));
        using var document = JsonDocument.Parse(dashboard);
        var queries = document.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        var referenced = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet();
        Assert.NotEmpty(referenced);

        // A gateway with Redis, one route to a dead destination (a proxy error), one rate-limited route, traffic of each kind.
        var config = _fixture.Config().WithRedis(_fixture.Redis, "jwtgw-dash:")
            .Set("Observability", new JsonObject { ["Prometheus"] = new JsonObject { ["Enabled"] = true } });
        config.Routes["dead"] = new JsonObject { ["ClusterId"] = "dead", ["Match"] = new JsonObject { ["Path"] = "/dead/{**rest}" } };
        config.Root["ReverseProxy"]!["Clusters"]!["dead"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{FreePort.Next()}" } },
        };
        config.Set("RateLimits", new JsonObject { ["per-user"] = new JsonObject { ["Limit"] = 1, ["Window"] = "01:00:00", ["Key"] = new JsonArray("sub") } });
        config.Route("limited", null);
        config.Routes["limited"]!["RateLimiterPolicy"] = "per-user";
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        await gateway.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
        await gateway.Client.GetWithTokenAsync("/limited/x", _fixture.Idp.Mint());
        await gateway.Client.GetWithTokenAsync("/api/x", null);
        await gateway.Client.GetWithTokenAsync("/dead/x", _fixture.Idp.Mint());

        var scrape = await gateway.Client.GetStringAsync("/metrics");
        var exposed = scrape.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .ToHashSet();
        exposed.UnionWith(LabelName().Matches(scrape).Select(m => m.Groups[1].Value)); // jwtgw_route, jwtgw_decision, ...
        Assert.All(referenced, name => Assert.True(exposed.Contains(name), $"{name} is neither a metric nor a label in the scrape"));
    }

    [GeneratedRegex(@"\bjwtgw_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[{,](\w+)=""")]
    private static partial Regex LabelName();
}
