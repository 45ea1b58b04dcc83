using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// The dashboard over HTTP: only on the management listener, only with its credential (HTTP Basic or Bearer), off unless
/// enabled; the explain endpoint takes JSON from the same origin only, explains against the live revocations, and never
/// logs the token.
/// </summary>
public sealed class DashboardEndpointTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    public const string ApiKey = "dashboard-key-0123456789abcdef0123456789";

    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;
    private HttpClient _management = null!;

    public DashboardEndpointTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var config = _fixture.Config()
            .Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Route("admin", "admins")
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Revocation", new JsonObject { ["ApiKey"] = Revocation.FleetRevocationTests.ApiKey })
            .Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = ApiKey } });
        _gateway = await config.StartAsync();
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.HoldsAsync(async () => (await _management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
    }

    public async Task DisposeAsync()
    {
        _management.Dispose();
        await _gateway.DisposeAsync();
    }

    private static AuthenticationHeaderValue Basic(string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + password)));

    [Fact]
    public async Task OnlyOnTheManagementListener_AndOnlyWithTheCredential()
    {
        _fixture.Downstream.Clear();
        foreach (var path in new[] { "/dashboard", "/dashboard/state", "/dashboard/dashboard.js" })
        {
            using var onPublic = new HttpRequestMessage(HttpMethod.Get, path);
            onPublic.Headers.Authorization = Basic(ApiKey);
            Assert.Equal(HttpStatusCode.NotFound, (await _gateway.Client.SendAsync(onPublic)).StatusCode);
        }

        Assert.Empty(_fixture.Downstream.Received);

        using var anonymous = await _management.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic realm=\"gateway-dashboard\"", anonymous.Headers.WwwAuthenticate.ToString());

        foreach (var wrong in new[] { Basic(ApiKey + "x"), new AuthenticationHeaderValue("Bearer", Revocation.FleetRevocationTests.ApiKey), new AuthenticationHeaderValue("Basic", "not base64!") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/state") { Headers = { Authorization = wrong } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await _management.SendAsync(request)).StatusCode);
        }

        using var page = new HttpRequestMessage(HttpMethod.Get, "/dashboard") { Headers = { Authorization = Basic(ApiKey) } };
        using var pageResponse = await _management.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        Assert.Equal("text/html", pageResponse.Content.Headers.ContentType!.MediaType);
        Assert.Contains("script-src 'self'", pageResponse.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("no-store", pageResponse.Headers.CacheControl!.ToString());

        using var state = new HttpRequestMessage(HttpMethod.Get, "/dashboard/state") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", ApiKey) } };
        var json = JsonDocument.Parse(await (await _management.SendAsync(state)).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(json.GetProperty("routes").EnumerateArray(), r => r.GetProperty("id").GetString() == "admin" && r.GetProperty("policy").GetString() == "admins");
        Assert.Equal("test", json.GetProperty("issuers")[0].GetProperty("name").GetString());
        Assert.Equal("Production", json.GetProperty("configuration").GetProperty("environment").GetString());
        Assert.DoesNotContain(ApiKey, json.GetRawText());
    }

    [Fact]
    public async Task Explain_TakesSameOriginJsonOnly_SeesRevocations_AndNeverLogsTheToken()
    {
        _management.DefaultRequestHeaders.Authorization = Basic(ApiKey);
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["jti"] = "dash-1", ["roles"] = new[] { "admin" } });

        using (var form = new HttpRequestMessage(HttpMethod.Post, "/dashboard/explain") { Content = new FormUrlEncodedContent([new("url", "/admin/x"), new("token", token)]) })
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _management.SendAsync(form)).StatusCode);
        }

        using (var crossOrigin = new HttpRequestMessage(HttpMethod.Post, "/dashboard/explain") { Content = JsonContent.Create(new { url = "/admin/x", token }) })
        {
            crossOrigin.Headers.Add("Origin", "https://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await _management.SendAsync(crossOrigin)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await _management.PostAsJsonAsync("/dashboard/explain", new { token })).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _management.GetAsync("/dashboard/explain")).StatusCode);

        var allowed = await ExplainAsync(new { method = "GET", url = "/admin/x", token });
        Assert.True(allowed.GetProperty("answer").GetProperty("forwarded").GetBoolean(), allowed.ToString());

        // Revoked on this instance: the dashboard's explain sees the live revocation list (the command line cannot).
        using (var revoke = new HttpRequestMessage(HttpMethod.Post, "/revocations") { Content = JsonContent.Create(new { jti = "dash-1" }) })
        {
            revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Revocation.FleetRevocationTests.ApiKey);
            Assert.Equal(HttpStatusCode.Created, (await _management.SendAsync(revoke)).StatusCode);
        }

        var revoked = await ExplainAsync(new { url = "/admin/x", token });
        Assert.Equal(401, revoked.GetProperty("answer").GetProperty("status").GetInt32());
        Assert.Equal("revoked", revoked.GetProperty("answer").GetProperty("reason").GetString());
        Assert.Equal("fail", revoked.GetProperty("validation").EnumerateArray().Last().GetProperty("result").GetString());

        Assert.DoesNotContain(_gateway.Logs.Lines, l => l.Message.Contains(token, StringComparison.Ordinal) || l.Message.Contains(token.Split('.')[2], StringComparison.Ordinal));
        Assert.Contains(_gateway.Logs.Lines, l => l.EventId == Gateway.Observability.EventIds.DecisionExplained);
    }

    private async Task<JsonElement> ExplainAsync(object body)
    {
        using var response = await _management.PostAsJsonAsync("/dashboard/explain", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task State_ShowsKeys_Redis_AndTheLastRejectedReloadWithItsErrors()
    {
        var port = FreePort.Next();
        var config = _fixture.Config()
            .WithRedis(_fixture.Redis, "jwtgw-dashboard:")
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = ApiKey } });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");

        var state = JsonDocument.Parse(await management.GetStringAsync("/dashboard/state")).RootElement;
        var issuer = state.GetProperty("issuers")[0];
        Assert.True(issuer.GetProperty("keyCount").GetInt32() >= 1);
        Assert.Contains(issuer.GetProperty("source").GetString(), new[] { "idp", "redis" });
        Assert.Equal("fresh", issuer.GetProperty("staleness").GetString());
        Assert.Equal("connected", state.GetProperty("redis").GetProperty("state").GetString());
        Assert.False(state.GetProperty("configuration").TryGetProperty("lastRejected", out _));

        var broken = config.Build();
        broken["Gateway"]!["Policies"]!["typo"] = new JsonObject { ["Roles"] = "admin" };
        Assert.False(await gateway.RewriteConfigAsync(broken));

        state = JsonDocument.Parse(await management.GetStringAsync("/dashboard/state")).RootElement;
        var rejected = state.GetProperty("configuration").GetProperty("lastRejected");
        Assert.Contains(rejected.GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("Gateway:Policies:typo:Roles", StringComparison.Ordinal));
        Assert.Equal(0, state.GetProperty("configuration").GetProperty("generation").GetInt32()); // the last good configuration stays
    }

    [Fact]
    public async Task Disabled_ByDefault_NotFoundOnTheManagementListener()
    {
        var port = FreePort.Next();
        await using var gateway = await _fixture.Config().Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" }).StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard") { Headers = { Authorization = Basic(ApiKey) } };

        Assert.Equal(HttpStatusCode.NotFound, (await management.SendAsync(request)).StatusCode);
    }
}
