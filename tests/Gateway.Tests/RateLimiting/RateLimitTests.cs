using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.RateLimiting;

/// <summary>
/// Rate limits through one real gateway: the 429 answer (problem JSON, <c>Retry-After</c>, <c>RateLimit</c> and
/// <c>RateLimit-Policy</c>), the downstream never seeing a refused request, keys by verified claim, by client address on
/// an anonymous route (with and without a trusted proxy), token buckets, and the metrics. Windows of an hour, so no
/// window ends during a test.
/// </summary>
public sealed class RateLimitTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public RateLimitTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private static JsonObject Policy(int limit, params string[] key) => new()
    {
        ["Limit"] = limit,
        ["Window"] = "01:00:00",
        ["Key"] = new JsonArray(key.Select(k => (JsonNode)k).ToArray()),
    };

    /// <summary>
    /// This class's redis-server under a fresh prefix, with a patient operation timeout: a Redis answer later than the
    /// default 500 ms (a CPU shared with the classes running in parallel) would make the gate count on this replica
    /// alone, which is FleetRateLimitTests' subject, not this class's.
    /// </summary>
    private TestConfig WithPatientRedis(TestConfig config)
    {
        config.WithRedis(_fixture.Redis, "rl-" + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Gateway["Redis"]!["OperationTimeout"] = "00:00:05";
        return config;
    }

    /// <summary>Route /limited/** under the default policy, limited by <paramref name="rateLimit"/> (named "per-user").</summary>
    private TestConfig Limited(JsonObject rateLimit, bool redis)
    {
        var config = _fixture.Config();
        if (redis)
        {
            WithPatientRedis(config);
        }

        config.Set("RateLimits", new JsonObject { ["per-user"] = rateLimit });
        config.Route("limited", null);
        config.Routes["limited"]!["RateLimiterPolicy"] = "per-user";
        return config;
    }

    private string Token(string sub, IDictionary<string, object?>? more = null)
    {
        var claims = new Dictionary<string, object?>(more ?? new Dictionary<string, object?>()) { ["sub"] = sub };
        return _fixture.Idp.Mint(claims);
    }

    private int Forwarded(string marker) => _fixture.Downstream.Received.Count(r => r.Path.Contains(marker, StringComparison.Ordinal));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ExceededLimit_Answers429WithRetryAfterAndRateLimitFields_TheDownstreamNeverSeesIt_OtherSubjectsUnaffected(bool redis)
    {
        var telemetry = new TelemetryCapture();
        await using var gateway = await GatewayInstance.StartAsync(Limited(Policy(3, "$issuer", "sub"), redis).Build(), telemetry.Configure);
        var marker = "m" + Guid.NewGuid().ToString("N")[..8];
        var alice = Token("alice");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await gateway.Client.GetWithTokenAsync($"/limited/{marker}", alice);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("\"per-user\";q=3;w=3600", allowed.Headers.GetValues("RateLimit-Policy").Single());
            Assert.StartsWith($"\"per-user\";r={2 - i};t=", allowed.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
        }

        using var refused = await gateway.Client.GetWithTokenAsync($"/limited/{marker}", alice);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 3600);
        Assert.Equal("\"per-user\";q=3;w=3600", refused.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal($"\"per-user\";r=0;t={(long)retryAfter.Value.TotalSeconds}", refused.Headers.GetValues("RateLimit").Single());
        Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
        Assert.Empty(refused.Headers.WwwAuthenticate); // the token is fine: no challenge
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("Too Many Requests", problem.RootElement.GetProperty("title").GetString());
        }

        Assert.Equal(3, Forwarded(marker)); // the refused request never left the gateway

        // Another subject has its own budget; the same subject stays refused.
        using (var bob = await gateway.Client.GetWithTokenAsync($"/limited/{marker}", Token("bob")))
        {
            Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        }

        using (var again = await gateway.Client.GetWithTokenAsync($"/limited/{marker}", Token("alice"))) // a new token of alice: same key
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        }

        Assert.Equal(4, Forwarded(marker));

        // Logged once per refusal, counted per policy and outcome, and in the request metrics as rate_limited.
        Assert.Equal(2, gateway.Logs.Lines.Count(l => l.EventId == Gateway.Observability.EventIds.RateLimited));
        var metrics = telemetry.CollectMetrics(gateway.Services);
        var store = redis ? "redis" : "local";
        Assert.Equal(4, TelemetryCapture.Points(metrics, Metrics.RateLimitDecisions, (Tags.RateLimitPolicy, "per-user"), (Tags.Outcome, "allowed"), (Tags.RateLimitStore, store)).Sum(p => p.GetSumLong()));
        Assert.Equal(2, TelemetryCapture.Points(metrics, Metrics.RateLimitDecisions, (Tags.RateLimitPolicy, "per-user"), (Tags.Outcome, "limited"), (Tags.RateLimitStore, store)).Sum(p => p.GetSumLong()));
        Assert.Equal(2, TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "limited"), (Tags.Decision, "rate_limited")).Sum(p => p.GetSumLong()));
    }

    [Fact]
    public async Task InvalidToken_IsRefusedBeforeTheRateLimit_AndUsesNoneOfIt()
    {
        await using var gateway = await Limited(Policy(1, "sub"), redis: true).StartAsync();
        var forged = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "carol" }, key: TestIdentityProvider.CreateUnpublishedRsaKey("rl-forged"));

        for (var i = 0; i < 3; i++)
        {
            using var rejected = await gateway.Client.GetWithTokenAsync("/limited/x", forged);
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
            Assert.False(rejected.Headers.Contains("RateLimit"));
        }

        using var valid = await gateway.Client.GetWithTokenAsync("/limited/x", Token("carol"));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode); // the refused requests were not counted
    }

    [Fact]
    public async Task NestedClaimKey_CountsByTenant_AndATokenWithoutIt_IsCountedByClientAddress()
    {
        var config = Limited(Policy(2, "org.tenant"), redis: true);
        await using var gateway = await config.StartAsync();
        string Tenant(string sub, string tenant) => Token(sub, new Dictionary<string, object?> { ["org"] = new Dictionary<string, object?> { ["tenant"] = tenant } });

        // Two users of tenant a share one budget; tenant b has its own.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Tenant("u1", "a")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Tenant("u2", "a")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(gateway, Tenant("u3", "a")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Tenant("u1", "b")));

        // Without the claim: counted by client address (all from 127.0.0.1 here), not let through unlimited.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token("v1")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token("v2")));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(gateway, Token("v3")));
    }

    [Fact]
    public async Task TokenBucket_LetsTheBurstThrough_ThenRefusesUntilATokenIsBack()
    {
        var bucket = Policy(1, "sub");
        bucket["Algorithm"] = "TokenBucket";
        bucket["Burst"] = 3;
        await using var gateway = await Limited(bucket, redis: true).StartAsync();
        var dave = Token("dave");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, dave));
        }

        using var refused = await gateway.Client.GetWithTokenAsync("/limited/x", dave);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 3000, 3600); // one token per hour
        Assert.Equal("\"per-user\";q=1;w=3600", refused.Headers.GetValues("RateLimit-Policy").Single());
    }

    [Fact]
    public async Task AnonymousRoute_CountsByClientAddress_BelievingXForwardedForOnlyFromATrustedProxy()
    {
        var config = WithPatientRedis(_fixture.Config());
        config.Policy("public", new JsonObject { ["Anonymous"] = true }).Route("open", "public");
        config.Routes["open"]!["RateLimiterPolicy"] = "per-client";
        config.Set("RateLimits", new JsonObject { ["per-client"] = Policy(2, "sub") }); // no claims on an anonymous route: the address
        config.Set("TrustedProxies", new JsonArray("127.0.0.1"));

        await using (var behindProxy = await config.StartAsync())
        {
            Assert.Equal(HttpStatusCode.OK, await ForwardedForAsync(behindProxy, "203.0.113.1"));
            Assert.Equal(HttpStatusCode.OK, await ForwardedForAsync(behindProxy, "203.0.113.1"));
            Assert.Equal(HttpStatusCode.TooManyRequests, await ForwardedForAsync(behindProxy, "203.0.113.1"));
            Assert.Equal(HttpStatusCode.OK, await ForwardedForAsync(behindProxy, "203.0.113.2")); // another client

            // A client writing its own X-Forwarded-For entry does not escape: the proxy's appended hop is the client.
            Assert.Equal(HttpStatusCode.TooManyRequests, await ForwardedForAsync(behindProxy, "198.51.100.9, 203.0.113.1"));
        }

        // Without a trusted proxy the header is ignored: every request is from 127.0.0.1, whatever it claims.
        config.Set("TrustedProxies", new JsonArray());
        WithPatientRedis(config);
        await using var direct = await config.StartAsync();
        Assert.Equal(HttpStatusCode.OK, await ForwardedForAsync(direct, "203.0.113.3"));
        Assert.Equal(HttpStatusCode.OK, await ForwardedForAsync(direct, "203.0.113.4"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await ForwardedForAsync(direct, "203.0.113.5"));
    }

    [Fact]
    public async Task AuthorizationPolicyRateLimit_AppliesToEveryRouteOfThePolicy_ARoutesOwnSettingWins()
    {
        var config = WithPatientRedis(_fixture.Config());
        config.Set("RateLimits", new JsonObject { ["one"] = Policy(1, "sub"), ["three"] = Policy(3, "sub") });
        config.Policy("limited-readers", new JsonObject { ["AnyValidToken"] = true, ["RateLimit"] = "one" });
        config.Route("first", "limited-readers").Route("second", "limited-readers").Route("own", "limited-readers");
        config.Routes["own"]!["RateLimiterPolicy"] = "three";
        await using var gateway = await config.StartAsync();
        var gina = Token("gina");

        async Task<HttpStatusCode> Get(string route)
        {
            using var response = await gateway.Client.GetWithTokenAsync($"/{route}/x", gina);
            return response.StatusCode;
        }

        // "one" is shared by both routes of the policy (one counter per caller and rate-limit policy).
        Assert.Equal(HttpStatusCode.OK, await Get("first"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get("second"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get("first"));

        // The route naming "three" itself counts separately.
        Assert.Equal(HttpStatusCode.OK, await Get("own"));
        Assert.Equal(HttpStatusCode.OK, await Get("own"));
        Assert.Equal(HttpStatusCode.OK, await Get("own"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get("own"));
    }

    [Fact]
    public async Task Reload_AddsAndRemovesALimit_AndAnUnknownNameIsRefused_KeepingTheLastGoodConfiguration()
    {
        var config = WithPatientRedis(_fixture.Config());
        config.Route("limited", null);
        await using var gateway = await config.StartAsync();
        var hana = Token("hana");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, hana));
        }

        config.Set("RateLimits", new JsonObject { ["per-user"] = Policy(1, "sub") });
        config.Routes["limited"]!["RateLimiterPolicy"] = "per-user";
        Assert.True(await gateway.RewriteConfigAsync(config.Build()));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, hana));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(gateway, hana));

        config.Routes["limited"]!["RateLimiterPolicy"] = "per-tenant";
        Assert.False(await gateway.RewriteConfigAsync(config.Build()));
        Assert.Contains("ReverseProxy:Routes:limited:RateLimiterPolicy", gateway.Logs.AllText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(gateway, hana)); // the last good configuration still limits

        config.Routes["limited"]!.AsObject().Remove("RateLimiterPolicy");
        Assert.True(await gateway.RewriteConfigAsync(config.Build()));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, hana));
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayInstance gateway, string token)
    {
        using var response = await gateway.Client.GetWithTokenAsync("/limited/x", token);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> ForwardedForAsync(GatewayInstance gateway, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/open/x");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await gateway.Client.SendAsync(request);
        return response.StatusCode;
    }
}
