using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Health and metrics endpoints: readiness follows the keys, they are never proxied (even with a
/// catch-all route), the management listener serves them alone, Prometheus text when enabled.
/// </summary>
public sealed class ManagementEndpointTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public ManagementEndpointTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
        _fixture.Downstream.Clear();
    }

    [Fact]
    public async Task Readiness_TurnsTrue_OnlyAfterKeysLoad()
    {
        _fixture.Idp.Failure = IdpFailure.ServerError;
        try
        {
            await using var gateway = await _fixture.Config().StartAsync();
            var notReady = await gateway.Client.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            using (var body = JsonDocument.Parse(await notReady.Content.ReadAsStringAsync()))
            {
                Assert.Equal("not ready", body.RootElement.GetProperty("status").GetString());
                Assert.Equal("signing keys not loaded for every issuer", body.RootElement.GetProperty("reason").GetString());
                Assert.False(body.RootElement.GetProperty("issuers").GetProperty("test").GetProperty("keysLoaded").GetBoolean());
            }

            Assert.Equal("live", await gateway.Client.GetStringAsync("/healthz/live"));

            _fixture.Idp.Failure = IdpFailure.None;
            await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(15)); // the background retry (backoff) loads them
            using var ready = JsonDocument.Parse(await gateway.Client.GetStringAsync("/healthz/ready"));
            Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
            Assert.False(ready.RootElement.GetProperty("draining").GetBoolean());
            var issuer = ready.RootElement.GetProperty("issuers").GetProperty("test");
            Assert.True(issuer.GetProperty("keysLoaded").GetBoolean());
            Assert.Equal("idp", issuer.GetProperty("source").GetString());
            Assert.Equal("not configured", ready.RootElement.GetProperty("redis").GetString());
        }
        finally
        {
            _fixture.Idp.Failure = IdpFailure.None;
        }
    }

    [Fact]
    public async Task Readiness_ReportsRedisState_WithoutFailingOnIt()
    {
        await using (var gateway = await _fixture.Config().WithRedis(_fixture.Redis, "jwtgw-ops:").StartAsync())
        {
            await gateway.WaitUntilReadyAsync();
            using var body = JsonDocument.Parse(await gateway.Client.GetStringAsync("/healthz/ready"));
            Assert.Equal("connected", body.RootElement.GetProperty("redis").GetString());
        }

        using var down = new RedisServer(FreePort.Next(), start: false);
        var config = _fixture.Config().WithRedis(down, "jwtgw-ops:");
        await using (var gateway = await config.StartAsync())
        {
            await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(15));
            var response = await gateway.Client.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unavailable", body.RootElement.GetProperty("redis").GetString());
        }
    }

    [Theory]
    [InlineData("/healthz/live")]
    [InlineData("/healthz/ready")]
    [InlineData("/HEALTHZ/Ready")]
    public async Task HealthPaths_AreNeverProxied_EvenByCatchAllOrExactRoutes(string path)
    {
        var config = CatchAll();
        config.Policy("open", new JsonObject { ["Anonymous"] = true });
        config.Routes["exact"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Order"] = -100,
            ["Match"] = new JsonObject { ["Path"] = "/healthz/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "open" },
        };
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        _fixture.Downstream.Clear();

        var response = await gateway.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual("downstream ok", await response.Content.ReadAsStringAsync());
        Assert.Empty(_fixture.Downstream.Received);
        Assert.Equal("downstream ok", await gateway.Client.GetStringAsync("/healthz/other")); // only the health paths themselves are reserved
    }

    [Fact]
    public async Task ManagementPort_ServesHealthAlone_AndPublicListenerNeitherServesNorProxiesIt()
    {
        var port = FreePort.Next();
        var config = CatchAll().Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" });
        config.Set("Observability", new JsonObject { ["Prometheus"] = new JsonObject { ["Enabled"] = true } });
        await using var gateway = await config.StartAsync();
        var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var publicAddress = gateway.Urls.First(u => u.Port != port);
        var client = new HttpClient { BaseAddress = publicAddress };

        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "the management listener did not become ready");
        Assert.Equal("live", await management.GetStringAsync("/healthz/live"));
        Assert.Contains("jwtgw_", await management.GetStringAsync("/metrics"));
        _fixture.Downstream.Clear();

        // The public listener: management paths are 404 and never forwarded, whatever the Host header says.
        foreach (var path in new[] { "/healthz/live", "/healthz/ready", "/metrics" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{port}";
            Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(request)).StatusCode);
        }

        Assert.Empty(_fixture.Downstream.Received);

        // The management listener proxies nothing, even with a catch-all route.
        Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/anything")).StatusCode);
        Assert.Empty(_fixture.Downstream.Received);

        // The public listener still proxies everything else.
        Assert.Equal("downstream ok", await client.GetStringAsync("/anything"));
    }

    [Fact]
    public async Task Metrics_ServesPrometheusText_WithGatewayMetricNames_WhenEnabled()
    {
        var config = _fixture.Config().Set("Observability", new JsonObject { ["Prometheus"] = new JsonObject { ["Enabled"] = true, ["Path"] = "/internal/metrics" } });
        config.Issuer["UnknownKidRefreshInterval"] = "00:00:01";
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        await gateway.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
        await gateway.Client.GetWithTokenAsync("/api/x", null);

        var response = await gateway.Client.GetAsync("/internal/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("jwtgw_requests_total{", text);
        Assert.Contains("jwtgw_decision=\"allow\"", text);
        Assert.Contains("jwtgw_token_validation_failures_total{", text);
        Assert.Contains("jwtgw_reason=\"missing\"", text);
        Assert.Contains("jwtgw_request_duration_seconds_bucket{", text);
        Assert.Contains("jwtgw_keys_age_seconds{", text);
        Assert.Contains("http_server_request_duration_seconds", text); // ASP.NET Core's own metrics
        Assert.Contains("dotnet_gc_", text); // runtime metrics
    }

    [Fact]
    public async Task Metrics_PathIsProxiedLikeAnyOther_WhenPrometheusIsOff()
    {
        await using var gateway = await CatchAll().StartAsync();
        await gateway.WaitUntilReadyAsync();
        Assert.Equal("downstream ok", await gateway.Client.GetStringAsync("/metrics"));
    }

    // Every path goes to the downstream without a token (anonymous catch-all route).
    private TestConfig CatchAll()
    {
        var config = _fixture.Config().Policy("open", new JsonObject { ["Anonymous"] = true });
        config.Routes.Remove("api");
        config.Routes["all"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Match"] = new JsonObject { ["Path"] = "/{**catch-all}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "open" },
        };
        return config;
    }

    [Fact]
    public async Task Metrics_IncludeTokenCacheHitRatio_AndYarpCounters()
    {
        var config = _fixture.Config();
        config.Set("Observability", new JsonObject { ["Prometheus"] = new JsonObject { ["Enabled"] = true } });
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        var token = _fixture.Idp.Mint();
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // YARP publishes its counters every 5 s: wait for the bridge to see the forwarded requests.
        var text = "";
        await Eventually.HoldsAsync(async () =>
        {
            text = await gateway.Client.GetStringAsync("/metrics");
            return text.Contains("yarp_proxy_requests_started", StringComparison.Ordinal)
                && !text.Contains("yarp_proxy_requests_started_total 0", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(15), "YARP's counters did not reach /metrics");

        Assert.Matches("jwtgw_token_cache_lookups_total\\{[^}]*jwtgw_cache_result=\"hit\"[^}]*\\} 2", text);
        Assert.Matches("jwtgw_token_cache_lookups_total\\{[^}]*jwtgw_cache_result=\"miss\"[^}]*\\} 1", text);
        Assert.Contains("yarp_proxy_current_requests", text);
    }
}
