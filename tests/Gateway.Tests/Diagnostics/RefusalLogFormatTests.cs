using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// The refusal log lines as an operator reads them, from the real process's console: in the simple text format and in
/// the JSON format (<c>Gateway:Observability:ConsoleFormat</c>), a 403's line names the failed requirement and the
/// same trace id as the answer's problem JSON, and a 401's line the trace id.
/// </summary>
public sealed class RefusalLogFormatTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public RefusalLogFormatTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private JsonObject Config(string format)
    {
        var config = _fixture.Config()
            .Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Route("logged", "admins");
        config.Gateway["Observability"] = new JsonObject { ["ConsoleFormat"] = format };
        return config.Build();
    }

    private async Task<(string Forbidden, string Unauthorized)> RefuseTwiceAsync(GatewayProcess gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/logged/x");
        request.Headers.Authorization = new("Bearer", _fixture.Idp.Mint());
        using var forbidden = await gateway.Client.SendAsync(request);
        using var unauthorized = await gateway.Client.GetAsync("/logged/x");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        static async Task<string> TraceId(HttpResponseMessage response) =>
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString()!;
        return (await TraceId(forbidden), await TraceId(unauthorized));
    }

    [Fact]
    public async Task TextFormat_CarriesTheFailedRequirementAndTraceId()
    {
        await using var gateway = await GatewayProcess.StartAsync(Config("Simple"));

        var (forbidden, unauthorized) = await RefuseTwiceAsync(gateway);

        await gateway.WaitForLineAsync(l => l.Contains("failed requirement Gateway:Policies:admins:Roles:0: role \"admin\" in claim roles traceId=" + forbidden, StringComparison.Ordinal));
        await gateway.WaitForLineAsync(l => l.Contains("token rejected: Missing (issuer (null)) traceId=" + unauthorized, StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonFormat_CarriesTheFailedRequirementAndTraceId_AsProperties()
    {
        await using var gateway = await GatewayProcess.StartAsync(Config("Json"));

        var (forbidden, unauthorized) = await RefuseTwiceAsync(gateway);

        var denied = GatewayProcess.ParseJsonLine(await gateway.WaitForLineAsync(l => GatewayProcess.ParseJsonLine(l) is { } json && json.GetProperty("EventId").GetInt32() == EventIds.PolicyDenied))!.Value;
        var state = denied.GetProperty("State");
        Assert.Equal(forbidden, state.GetProperty("TraceId").GetString());
        Assert.Equal("Gateway:Policies:admins:Roles:0", state.GetProperty("Requirement").GetString());
        Assert.Equal("logged", state.GetProperty("RouteId").GetString());

        var rejected = GatewayProcess.ParseJsonLine(await gateway.WaitForLineAsync(l => GatewayProcess.ParseJsonLine(l) is { } json && json.GetProperty("EventId").GetInt32() == EventIds.TokenRejected))!.Value;
        Assert.Equal(unauthorized, rejected.GetProperty("State").GetProperty("TraceId").GetString());
    }
}
