using System.Net;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// Shadow (dry-run) policies through the real gateway: judged on every valid token, counted in
/// <c>jwtgw.shadow.decisions</c> by route and policy, logged with the failed requirement and trace id when they disagree,
/// and never changing the answer, in both directions.
/// </summary>
public sealed class ShadowPolicyTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly TelemetryCapture _telemetry = new();
    private GatewayInstance _gateway = null!;

    public ShadowPolicyTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        var config = _fixture.Config()
            .Policy("readers", new JsonObject { ["Scopes"] = new JsonArray("orders:read") })
            .Policy("writers", new JsonObject { ["Scopes"] = new JsonArray("orders:write") })
            .Policy("anyone", new JsonObject { ["Issuers"] = new JsonArray("test") })
            // Tightening: enforced readers, shadow writers. Loosening: enforced writers, shadow anyone.
            .Route("shadow-tighten", "readers", new JsonObject { ["shadowpolicy"] = "writers" }) // metadata keys are case-insensitive
            .Route("shadow-loosen", "writers", new JsonObject { ["ShadowPolicy"] = "anyone" });
        _gateway = await GatewayInstance.StartAsync(config.Build(), _telemetry.Configure);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<HttpResponseMessage> GetAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        return await _gateway.Client.SendAsync(request);
    }

    private long ShadowCount(string route, string policy, string shadow, string enforced) =>
        TelemetryCapture.Points(_telemetry.CollectMetrics(_gateway.Services), Metrics.ShadowDecisions, (Tags.Route, route), (Tags.Policy, policy), (Tags.ShadowDecision, shadow), (Tags.EnforcedDecision, enforced))
            .Sum(p => p.GetSumLong());

    [Fact]
    public async Task ShadowDenies_EnforcedAllows_AnswerIs200_AndTheDisagreementIsCountedAndLogged()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["scope"] = "orders:read" });

        using var first = await GetAsync("/shadow-tighten/list", token);
        using var second = await GetAsync("/shadow-tighten/list", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var forwarded = _fixture.Downstream.Received.Where(r => r.Path.StartsWith("/shadow-tighten/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, forwarded.Count);
        Assert.Equal(2, ShadowCount("shadow-tighten", "writers", "deny", "allow"));
        Assert.Equal(0, ShadowCount("shadow-tighten", "writers", "allow", "allow"));

        var line = Assert.Single(_gateway.Logs.Lines, l => l.EventId == EventIds.ShadowPolicyDisagreed && l.Message.Contains("shadow-tighten", StringComparison.Ordinal) && l.Message.Contains("traceId=" + forwarded[1].Header("traceparent")!.Split('-')[1], StringComparison.Ordinal));
        Assert.Contains("failed requirement Gateway:Policies:writers:Scopes:0: scope \"orders:write\"", line.Message);
        Assert.DoesNotContain(token, line.Message);

        var counters = _gateway.Services.GetRequiredService<DecisionCounters>();
        Assert.Contains(counters.ShadowVerdicts(), v => v.Key == new ShadowKey("shadow-tighten", "writers", "deny", "allow") && v.Count == 2);
        Assert.Contains(counters.RecentDisagreements(), d => d.Route == "shadow-tighten" && d.FailedRequirement == "Gateway:Policies:writers:Scopes:0");
    }

    [Fact]
    public async Task ShadowAllows_EnforcedDenies_AnswerIsStill403_AndCounted()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["scope"] = "orders:read" });

        using var response = await GetAsync("/shadow-loosen/list", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_fixture.Downstream.Received, r => r.Path.StartsWith("/shadow-loosen/", StringComparison.Ordinal));
        Assert.Equal(1, ShadowCount("shadow-loosen", "anyone", "allow", "deny"));
        Assert.Contains(_gateway.Logs.Lines, l => l.EventId == EventIds.ShadowPolicyDisagreed && l.Message.Contains("shadow policy anyone would allow where policy writers decided deny", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agreement_IsCounted_NotLoggedAsADisagreement()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["scope"] = "orders:read orders:write" });

        using var response = await GetAsync("/shadow-tighten/x", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, ShadowCount("shadow-tighten", "writers", "allow", "allow"));
        Assert.DoesNotContain(_gateway.Logs.Lines, l => l.EventId == EventIds.ShadowPolicyDisagreed);
    }

    [Fact]
    public async Task InvalidToken_IsNeverJudgedByTheShadowPolicy()
    {
        using var response = await GetAsync("/shadow-loosen/x", "not-a-token");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, ShadowCount("shadow-loosen", "anyone", "allow", "deny") + ShadowCount("shadow-loosen", "anyone", "deny", "deny"));
    }
}
