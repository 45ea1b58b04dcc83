using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// A reload the gateway accepts is never weaker than what it says: rotating the dashboard's key (a leaked key) or
/// switching the dashboard off takes effect on the next request, without a restart. Review finding: both were read at
/// startup only, so the old key kept working after a reload that replaced it.
/// </summary>
public sealed class DashboardReloadTests : IClassFixture<IntegrationFixture>
{
    private const string OldKey = "dashboard-old-key-0123456789abcdef0123456789";
    private const string NewKey = "dashboard-new-key-0123456789abcdef0123456789";

    private readonly IntegrationFixture _fixture;

    public DashboardReloadTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task ARotatedKey_AndADisabledDashboard_ApplyOnReload()
    {
        var port = FreePort.Next();
        var config = _fixture.Config()
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = OldKey } });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        Assert.Equal(HttpStatusCode.OK, await StateAsync(management, OldKey));

        config.Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = NewKey } });
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.Unauthorized, await StateAsync(management, OldKey));
        Assert.Equal(HttpStatusCode.OK, await StateAsync(management, NewKey));

        config.Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = false, ["ApiKey"] = NewKey } });
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.NotFound, await StateAsync(management, NewKey));
    }

    private static async Task<HttpStatusCode> StateAsync(HttpClient management, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/state");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await management.SendAsync(request);
        return response.StatusCode;
    }
}
