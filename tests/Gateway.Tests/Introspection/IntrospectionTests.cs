using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Introspection;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.Tests.Introspection;

/// <summary>
/// Opaque tokens through the real gateway, checked by a real authorization server on loopback
/// (<see cref="TestAuthorizationServer"/>, RFC 7662): claims into policies and claim headers, inactive → 401,
/// an authorization server that cannot answer → 503 (never 200, never 401), caching by token hash in memory and,
/// with Redis, for the fleet (HMAC-signed), one call for concurrent requests.
/// </summary>
public sealed class IntrospectionTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private TestAuthorizationServer _as = null!;

    public IntrospectionTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync() => _as = await TestAuthorizationServer.StartAsync();

    public async Task DisposeAsync() => await _as.DisposeAsync();

    /// <summary>The standard configuration plus issuer <c>opaque</c>, introspecting at the test authorization server.</summary>
    private TestConfig Config(Action<JsonObject>? introspection = null, Action<JsonObject>? issuer = null)
    {
        var settings = new JsonObject
        {
            ["Endpoint"] = _as.IntrospectionEndpoint,
            ["ClientId"] = TestAuthorizationServer.ClientId,
            ["ClientSecret"] = TestAuthorizationServer.ClientSecret,
            ["Timeout"] = "00:00:02",
        };
        introspection?.Invoke(settings);
        var opaque = new JsonObject
        {
            ["Issuer"] = _as.Issuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
            ["Introspection"] = settings,
        };
        issuer?.Invoke(opaque);
        var config = _fixture.Config()
            .ClaimHeaders(("X-User-Id", "sub"), ("X-Client-Id", "client_id"), ("X-Scopes", "scope"))
            .Policy("reader", new JsonObject { ["Scopes"] = new JsonArray("read") })
            .Policy("admin", new JsonObject { ["Scopes"] = new JsonArray("admin") })
            .Route("read", "reader")
            .Route("admin", "admin");
        config.Gateway["Issuers"]!["opaque"] = opaque;
        return config;
    }

    [Fact]
    public async Task ActiveToken_IsForwarded_WithItsClaimsAsHeaders_AndJudgedByPolicies()
    {
        await using var gateway = await Config().StartAsync();
        var token = _as.Issue(new JsonObject { ["sub"] = "alice", ["client_id"] = "mobile" });
        _fixture.Downstream.Clear();

        using var allowed = await gateway.Client.GetWithTokenAsync("/read/orders", token);
        using var forbidden = await gateway.Client.GetWithTokenAsync("/admin/orders", token);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var received = _fixture.Downstream.Received.Single(r => r.Path == "/read/orders");
        Assert.Equal("alice", received.Header("X-User-Id"));
        Assert.Equal("mobile", received.Header("X-Client-Id"));
        Assert.Equal("read profile", received.Header("X-Scopes"));
        Assert.Equal("opaque", received.Header("X-Auth-Issuer"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("insufficient_scope", forbidden.Challenge());
        Assert.DoesNotContain(_fixture.Downstream.Received, r => r.Path == "/admin/orders");
        Assert.Equal(1, _as.Calls); // the second request was answered from the cache
        Assert.Equal(["basic"], _as.AuthMethods);
    }

    [Fact]
    public async Task InactiveToken_IsRefused401_AndTheInactiveAnswerIsCachedBriefly()
    {
        await using var gateway = await Config().StartAsync();

        using var first = await gateway.Client.GetWithTokenAsync("/read/x", "unknown-opaque-token");
        using var second = await gateway.Client.GetWithTokenAsync("/read/x", "unknown-opaque-token");

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"the token is not active\"", first.Challenge());
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal(1, _as.Calls);
    }

    [Fact]
    public async Task RevokedAtTheAuthorizationServer_IsRefusedOnceTheCachedAnswerExpires()
    {
        await using var gateway = await Config(i => i["MaxCacheDuration"] = "00:00:01").StartAsync();
        var token = _as.Issue();
        using (var before = await gateway.Client.GetWithTokenAsync("/read/x", token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _as.Revoke(token);

        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await gateway.Client.GetWithTokenAsync("/read/x", token);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(10),
            "a revoked token must be refused once its cached answer (MaxCacheDuration 1 s) expired");
        Assert.Equal(2, _as.Calls);
    }

    [Fact]
    public async Task GatewayRevocation_AppliesToIntrospectedTokens_EvenWhenCached()
    {
        await using var gateway = await Config().StartAsync();
        var token = _as.Issue(new JsonObject { ["jti"] = "opaque-jti-1" });
        using (var before = await gateway.Client.GetWithTokenAsync("/read/x", token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var now = DateTimeOffset.UtcNow;
        gateway.Services.GetRequiredService<Gateway.Revocation.RevocationList>()
            .AddLocal(new Gateway.Revocation.RevocationEntry(Gateway.Revocation.RevocationKind.TokenId, "opaque", "opaque-jti-1", null, now.AddHours(1), now));

        using var after = await gateway.Client.GetWithTokenAsync("/read/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("the token has been revoked", after.Challenge());
        Assert.Equal(1, _as.Calls); // refused from the cached answer: revocation is checked on every request
    }

    [Fact]
    public async Task ActiveAnswer_IsNeverServedPastItsExp()
    {
        // exp in 2-3 s (whole seconds), cache maximum 60 s, no clock skew: the answer is cached until exp, then asked again.
        // The test waits for that real expiry; how long an answer is cached is checked on a fake clock in the unit tests.
        await using var gateway = await Config(issuer: i => i["ClockSkew"] = "00:00:00").StartAsync();
        var token = _as.Issue(new JsonObject { ["exp"] = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeSeconds() });
        using (var first = await gateway.Client.GetWithTokenAsync("/read/x", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var cached = await gateway.Client.GetWithTokenAsync("/read/x", token))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        Assert.Equal(1, _as.Calls);
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await gateway.Client.GetWithTokenAsync("/read/x", token);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(10),
            "the token must be refused after its exp");
        Assert.True(_as.Calls >= 2, "after exp the gateway asked the authorization server again");
    }

    [Fact]
    public async Task WrongClientSecret_Is503_AndLoggedAsAMisconfiguration_WithoutTheSecretOrToken()
    {
        const string wrongSecret = "not-the-secret-4b1d2e9f0a7c3e58";
        await using var gateway = await Config(i => i["ClientSecret"] = wrongSecret).StartAsync();
        var token = _as.Issue();
        _fixture.Downstream.Clear();

        using var response = await gateway.Client.GetWithTokenAsync("/read/misconfigured", token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Null(response.Challenge());
        Assert.Empty(_fixture.Downstream.Received);
        Assert.Equal(1, gateway.Logs.Count(EventIds.IntrospectionClientRefused));
        var logs = gateway.Logs.AllText();
        Assert.DoesNotContain(wrongSecret, logs);
        Assert.DoesNotContain(token, logs);
    }

    [Fact]
    public async Task ClientSecretPost_SendsTheCredentialsInTheForm()
    {
        await using var gateway = await Config(i => i["ClientAuthentication"] = "client_secret_post").StartAsync();

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", _as.Issue());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["post"], _as.AuthMethods);
    }

    [Fact]
    public async Task ClientSecretFile_IsTheSecretSent()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-introspection-secret-").FullName;
        try
        {
            var file = Path.Combine(directory, "client-secret");
            await File.WriteAllTextAsync(file, TestAuthorizationServer.ClientSecret + "\n"); // as a Secret volume often holds it
            await using var gateway = await Config(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = file; }).StartAsync();

            using var response = await gateway.Client.GetWithTokenAsync("/read/x", _as.Issue());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["basic"], _as.AuthMethods);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(AuthorizationServerFailure.ServerError)]
    [InlineData(AuthorizationServerFailure.Malformed)]
    [InlineData(AuthorizationServerFailure.Hang)]
    public async Task AuthorizationServerWithoutAUsableAnswer_Is503_WithinTheTimeout(AuthorizationServerFailure failure)
    {
        await using var gateway = await Config(i => i["Timeout"] = "00:00:01").StartAsync();
        var token = _as.Issue();
        _as.Failure = failure;

        var watch = Stopwatch.StartNew();
        using var response = await gateway.Client.GetWithTokenAsync("/read/x", token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"answered after {watch.Elapsed}");

        // Failures are not cached: once the server answers again, so does the gateway.
        _as.Failure = AuthorizationServerFailure.None;
        using var recovered = await gateway.Client.GetWithTokenAsync("/read/x", token);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Metrics_CountCalls_ByOutcome_CacheLookups_AndRefusalReasons()
    {
        var telemetry = new TelemetryCapture();
        await using var gateway = await GatewayInstance.StartAsync(Config().Build(), telemetry.Configure);
        var token = _as.Issue();

        (await gateway.Client.GetWithTokenAsync("/read/m", token)).Dispose();
        (await gateway.Client.GetWithTokenAsync("/read/m", token)).Dispose();
        (await gateway.Client.GetWithTokenAsync("/read/m", "never-issued")).Dispose();
        _as.Failure = AuthorizationServerFailure.ServerError;
        using var unavailable = await gateway.Client.GetWithTokenAsync("/read/m", "another-one");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);

        var metrics = telemetry.CollectMetrics(gateway.Services);
        long Sum(string name, params (string, string)[] tags) => TelemetryCapture.Points(metrics, name, tags).Sum(p => p.GetSumLong());
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.IntrospectionCalls, (GatewayDiagnostics.Tags.Issuer, "opaque"), (GatewayDiagnostics.Tags.Outcome, "active")));
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.IntrospectionCalls, (GatewayDiagnostics.Tags.Issuer, "opaque"), (GatewayDiagnostics.Tags.Outcome, "inactive")));
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.IntrospectionCalls, (GatewayDiagnostics.Tags.Issuer, "opaque"), (GatewayDiagnostics.Tags.Outcome, "http_error")));
        Assert.Equal(3, TelemetryCapture.Points(metrics, GatewayDiagnostics.Metrics.IntrospectionDuration, (GatewayDiagnostics.Tags.Issuer, "opaque")).Sum(p => p.GetHistogramCount()));
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.IntrospectionCacheLookups, (GatewayDiagnostics.Tags.CacheLevel, "memory"), (GatewayDiagnostics.Tags.CacheResult, "hit")));
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.ValidationFailures, (GatewayDiagnostics.Tags.Reason, "inactive")));
        Assert.Equal(1, Sum(GatewayDiagnostics.Metrics.ValidationFailures, (GatewayDiagnostics.Tags.Reason, "introspection_unavailable")));
    }

    [Fact]
    public async Task EndpointDown_Is503()
    {
        var closed = $"http://127.0.0.1:{FreePort.Next()}/introspect";
        await using var gateway = await Config(i => i["Endpoint"] = closed).StartAsync();

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", _as.Issue());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter!.ToString());
        Assert.Contains("introspection", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRequestsForOneToken_ShareOneIntrospectionCall()
    {
        await using var gateway = await Config().StartAsync();
        var token = _as.Issue();
        _as.Delay = TimeSpan.FromMilliseconds(500);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => gateway.Client.GetWithTokenAsync("/read/x", token)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _as.Calls);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task JwtIssuer_StillVerifiesItsJwts_WithoutAskingTheAuthorizationServer()
    {
        await using var gateway = await Config().StartAsync();
        await gateway.WaitUntilReadyAsync();

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", _fixture.Idp.Mint(new Dictionary<string, object?> { ["scope"] = "read" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, _as.Calls);
    }

    [Fact]
    public async Task TokensAll_IntrospectsJwtsToo_AtTheEndpointDiscoveryNames()
    {
        // Authority only for discovery: no endpoint configured, every token (a JWT of another signer included) is introspected.
        var config = Config(i => { i.Remove("Endpoint"); i["Tokens"] = "All"; }, i => { i.Remove("Issuer"); i["Authority"] = _as.Issuer; });
        await using var gateway = await config.StartAsync();
        var jwtShaped = TestIdentityProvider.CreateUnpublishedRsaKey("elsewhere");
        var jwt = _fixture.Idp.Mint(new Dictionary<string, object?> { ["iss"] = "https://unknown.example.com" }, key: jwtShaped);
        _as.Issue(token: jwt);

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", jwt);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _as.Calls);
        Assert.Equal(1, _as.DiscoveryFetches);
    }

    [Fact]
    public async Task ConcurrentLookupsOfDifferentTokens_ShareOneDiscoveryRead()
    {
        var config = Config(i => { i.Remove("Endpoint"); i["Tokens"] = "All"; }, i => { i.Remove("Issuer"); i["Authority"] = _as.Issuer; });
        await using var gateway = await config.StartAsync();
        _as.DiscoveryDelay = TimeSpan.FromMilliseconds(500);
        var tokens = Enumerable.Range(0, 8).Select(_ => _as.Issue()).ToList();

        var responses = await Task.WhenAll(tokens.Select(t => gateway.Client.GetWithTokenAsync("/read/x", t)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _as.DiscoveryFetches);
        Assert.Equal(8, _as.Calls);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task OpaqueTokenWithTwoDots_IsIntrospected_NotRefusedAsAMalformedJwt()
    {
        await using var gateway = await Config().StartAsync();
        var token = _as.Issue(token: "ref.2YotnFZFEjr1zCsicMWpAA.v1");

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _as.Calls);
    }

    [Fact]
    public async Task MalformedOpaqueToken_IsRefused401_WithoutAskingTheAuthorizationServer()
    {
        await using var gateway = await Config().StartAsync();

        using var response = await gateway.Client.GetWithTokenAsync("/read/x", "abc=def");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("malformed", response.Challenge());
        Assert.Equal(0, _as.Calls);
    }

    [Fact]
    public async Task Fleet_SharesAnswersThroughRedis_SecondReplicaMakesNoCall()
    {
        var config = Config().WithRedis(_fixture.Redis, "introspect-" + Guid.NewGuid().ToString("N")[..8] + ":");
        await using var first = await config.StartAsync();
        await using var second = await config.StartAsync();
        await Task.WhenAll(first.WaitUntilReadyAsync(), second.WaitUntilReadyAsync()); // both connected to Redis
        var token = _as.Issue(new JsonObject { ["sub"] = "shared-user" });

        using var one = await first.Client.GetWithTokenAsync("/read/x", token);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var key = config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>() + "introspection:opaque:" + Sha256Hex(token);
        await Eventually.HoldsAsync(() => KeyExistsAsync(key), TimeSpan.FromSeconds(5), "the answer is written to Redis");

        using var two = await second.Client.GetWithTokenAsync("/read/x", token);

        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        Assert.Equal(1, _as.Calls);
        Assert.DoesNotContain(token, await AllRedisTextAsync(config), StringComparison.Ordinal); // named by its hash, never stored
    }

    [Fact]
    public async Task TamperedOrForgedRedisEntries_AreRejected_AndTheAuthorizationServerDecides()
    {
        var config = Config().WithRedis(_fixture.Redis, "introspect-" + Guid.NewGuid().ToString("N")[..8] + ":");
        var prefix = config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>();
        await using var seed = await config.StartAsync();
        var token = _as.Issue(new JsonObject { ["sub"] = "bob" });
        using (var seeded = await seed.Client.GetWithTokenAsync("/read/x", token))
        {
            Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        }

        // 1. Someone with write access to Redis edits the genuine entry (sub bob → admin), keeping its MAC.
        var key = prefix + "introspection:opaque:" + Sha256Hex(token);
        await Eventually.HoldsAsync(() => KeyExistsAsync(key), TimeSpan.FromSeconds(5), "the answer is written to Redis");
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(_fixture.Redis.ConnectionString))
        {
            var database = redis.GetDatabase();
            var genuine = (string)(await database.StringGetAsync(key))!;
            Assert.Contains("bob", genuine, StringComparison.Ordinal);
            await database.StringSetAsync(key, genuine.Replace("bob", "adm", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        }

        // 2. ... and forges an active answer, without the integrity key, for a token the authorization server never issued.
        var forger = new RedisIntrospectionCache(
            new RedisConnectionFactory(_fixture.Redis.ConnectionString),
            new KeyEntryProtector("not-the-fleet-key-000000000000000000000000"),
            prefix,
            TimeSpan.FromSeconds(2),
            TimeProvider.System,
            NullLogger<RedisIntrospectionCache>.Instance);
        const string forgedToken = "forged-opaque-token";
        await forger.SetAsync("opaque", _as.Issuer, Sha256Hex(forgedToken), new SharedIntrospectionEntry(
            $"{{\"active\":true,\"sub\":\"mallory\",\"scope\":\"read admin\",\"aud\":\"api\",\"iss\":\"{_as.Issuer}\"}}", DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None);

        _as.ResetCounters();
        _fixture.Downstream.Clear();
        await using var replica = await config.StartAsync();
        await replica.WaitUntilReadyAsync();
        using var edited = await replica.Client.GetWithTokenAsync("/read/edited", token);
        using var forged = await replica.Client.GetWithTokenAsync("/read/forged", forgedToken);

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal("bob", _fixture.Downstream.Received.Single(r => r.Path == "/read/edited").Header("X-User-Id"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(2, _as.Calls); // both were asked of the authorization server
        Assert.Equal(2, replica.Logs.Count(EventIds.IntrospectionCacheEntryRejected));
    }

    [Fact]
    public async Task IssuerRequiringDpop_RefusesAnIntrospectedBearerToken()
    {
        // Review finding: the introspecting issuer's identity dropped its Dpop mode (read as Allowed), so an opaque
        // bearer token passed on an issuer configured "Dpop": "Required".
        await using var gateway = await Config(issuer: o => o["Dpop"] = "Required").StartAsync();
        var token = _as.Issue();
        _fixture.Downstream.Clear();

        using var response = await gateway.Client.GetWithTokenAsync("/read/required", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("DPoP", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Downstream.Received, r => r.Path == "/read/required");
    }

    private async Task<bool> KeyExistsAsync(string key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_fixture.Redis.ConnectionString);
        return await redis.GetDatabase().KeyExistsAsync(key);
    }

    private async Task<string> AllRedisTextAsync(TestConfig config)
    {
        var prefix = config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_fixture.Redis.ConnectionString);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var text = new StringBuilder();
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            text.Append((string?)key).Append(' ');
            if (await redis.GetDatabase().KeyTypeAsync(key) == RedisType.String)
            {
                text.Append((string?)await redis.GetDatabase().StringGetAsync(key)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Sha256Hex(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
}
