using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// A live refusal explains itself: its log line carries the failed requirement and the trace id the answer carries;
/// <c>Gateway:Diagnostics:ExplainDenials</c> (Development only, off by default) adds the failed requirement to the 403
/// problem JSON.
/// </summary>
public sealed class DenialExplanationTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public DenialExplanationTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestConfig Config() => _fixture.Config()
        .Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin"), ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "tenant", ["Equals"] = "acme" }) })
        .Route("explained", "admins");

    private static async Task<(HttpResponseMessage Response, JsonElement Problem)> GetAsync(GatewayInstance gateway, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        var response = await gateway.Client.SendAsync(request);
        return (response, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Refusals_AreLoggedWithTheFailedRequirementAndTheAnswersTraceId_WhichTheAnswerDoesNotName()
    {
        await using var gateway = await GatewayInstance.StartAsync(Config().Build());
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = new[] { "admin" }, ["tenant"] = "globex" });

        var (forbidden, problem) = await GetAsync(gateway, "/explained/x", token);
        var (unauthorized, missing) = await GetAsync(gateway, "/explained/x", null);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.False(problem.TryGetProperty("failedRequirement", out _)); // off by default: the client learns nothing of the policy
        var traceId = problem.GetProperty("traceId").GetString()!;
        var denied = Assert.Single(gateway.Logs.Lines, l => l.EventId == EventIds.PolicyDenied);
        Assert.Contains("failed requirement Gateway:Policies:admins:Claims:0: claim tenant equal to \"acme\"", denied.Message);
        Assert.EndsWith("traceId=" + traceId, denied.Message);
        Assert.DoesNotContain("globex", denied.Message); // requirement, never the claim value

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        var rejected = Assert.Single(gateway.Logs.Lines, l => l.EventId == EventIds.TokenRejected);
        Assert.EndsWith("traceId=" + missing.GetProperty("traceId").GetString(), rejected.Message);
    }

    [Fact]
    public async Task ExplainDenials_InDevelopment_AddsTheFailedRequirementToThe403()
    {
        var config = Config().Set("Diagnostics", new JsonObject { ["ExplainDenials"] = true });
        await using var gateway = await GatewayInstance.StartAsync(config.Build(), environment: "Development");
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = new[] { "user" }, ["tenant"] = "acme" });

        var (response, problem) = await GetAsync(gateway, "/explained/x", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Gateway:Policies:admins:Roles:0", problem.GetProperty("failedRequirement").GetString());
        Assert.Equal("role \"admin\" in claim roles", problem.GetProperty("requirement").GetString());
        Assert.DoesNotContain("user", problem.GetRawText()); // what the policy wants, not what the token holds
    }

    [Fact]
    public async Task ExplainDenials_OutsideDevelopment_IsAConfigurationError()
    {
        var config = Config().Set("Diagnostics", new JsonObject { ["ExplainDenials"] = true });

        var error = await Assert.ThrowsAsync<Gateway.Configuration.GatewayConfigurationException>(() => GatewayInstance.StartAsync(config.Build()));

        Assert.Contains(error.Errors, e => e.Path == "Gateway:Diagnostics:ExplainDenials");
    }
}
