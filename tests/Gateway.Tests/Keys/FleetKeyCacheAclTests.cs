using System.Net;
using System.Text.Json;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Gateway.Tests.Keys;

/// <summary>
/// Every fleet test again, with the replicas connecting to Redis as an ACL user that has exactly the
/// grants docs/key-cache.md documents (the line is read from that file), plus proof that those grants
/// leave nothing refused and that a missing grant is reported by name. After each test, Redis's
/// <c>ACL LOG</c> must hold no denial for the documented user.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class FleetKeyCacheAclTests : FleetKeyCacheTests, IAsyncLifetime
{
    private const string DocumentedUser = "gateway-acl";

    private const string Prefix = "jwtgw-acl:";
    private const string Password = "acl-test-password-0123456789";

    public FleetKeyCacheAclTests(IntegrationFixture fixture)
        : base(fixture)
    {
    }

    protected override TestConfig FleetConfig() => ConfigAs(DocumentedUser);

    // The documented user, created (or reset) before every test: FleetConfig and the tests below connect as it.
    public async Task InitializeAsync()
    {
        await AdminAsync("ACL", "LOG", "RESET");
        await EnsureUserAsync(DocumentedUser);
    }

    public async Task DisposeAsync()
    {
        var denials = await DenialsAsync(DocumentedUser);
        Assert.True(denials.Count == 0, "Redis denied the documented user: " + string.Join("; ", denials));
    }

    [Fact]
    public async Task DocumentedGrants_AreAllTheFleetNeeds_RedisRefusesNothing()
    {
        var user = DocumentedUser;
        var fleet = await StartFleetAsync(ConfigAs(user), 2);
        var rotated = Idp.AddRsaKey("acl-rot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var first = await fleet[0].Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: rotated.Kid)))
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            }

            await Eventually.HoldsAsync(() => fleet[1].HoldsKey("test", rotated.Kid), TimeSpan.FromSeconds(2), "the change notice did not reach the other replica");
            using (var unknown = await fleet[1].Client.GetWithTokenAsync("/api/x", Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("acl-unknown"))))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
            }

            foreach (var replica in fleet)
            {
                Assert.Equal(0, replica.Services.GetRequiredService<RedisSharedKeyStore>().RefusedCommands);
                Assert.DoesNotContain(replica.Logs.Lines, l => l.EventId is EventIds.SharedCacheCommandRefused or EventIds.SharedCacheUnavailable);
            }
        }
        finally
        {
            Idp.Unpublish(rotated.Kid);
            await StopAsync(fleet);
        }

        var denials = await DenialsAsync(user);
        Assert.True(denials.Count == 0, "Redis denied the documented user: " + string.Join("; ", denials));
    }

    [Fact]
    public async Task MissingGrant_IsReportedByName_InTheLogMetricsAndReadiness()
    {
        var user = await EnsureUserAsync("gateway-acl-nosetex", without: "+setex");
        await using var gateway = await ConfigAs(user).StartAsync();
        await gateway.WaitUntilReadyAsync(); // keys come from the identity provider: the gateway works

        await Eventually.HoldsAsync(
            () => gateway.Logs.Lines.Any(l => l.EventId == EventIds.SharedCacheCommandRefused && l.Message.Contains("NOPERM", StringComparison.Ordinal) && l.Message.Contains("'setex'", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5),
            "no log line named the refused command:\n" + gateway.Logs.AllText());
        Assert.True(gateway.Services.GetRequiredService<RedisSharedKeyStore>().RefusedCommands >= 1);

        using var ready = await gateway.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var write = body.RootElement.GetProperty("redisErrors").GetProperty("write").GetString();
        Assert.Contains("NOPERM", write, StringComparison.Ordinal);
        Assert.Contains("'setex'", write, StringComparison.Ordinal);

        // Redis's own record agrees (and shows the ACL log is read right, which the test above relies on).
        Assert.Contains(await DenialsAsync(user), d => d.Contains("setex", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DocumentedGrants_CoverTheDpopReplayCheck()
    {
        await using var gateway = await ConfigAs(DocumentedUser).StartAsync();
        using var key = new DpopKey();
        var token = Idp.MintBound(jkt: key.Thumbprint);
        var proof = key.Proof("GET", new Uri(gateway.Client.BaseAddress!, "/api/x").ToString(), token);

        using var accepted = await Gateway.Tests.SenderConstraints.DpopTests.SendAsync(gateway, token, proof);
        using var replayed = await Gateway.Tests.SenderConstraints.DpopTests.SendAsync(gateway, token, proof);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal(0, gateway.Logs.Count(EventIds.DpopReplayStoreDegraded)); // SET NX PX went to Redis (denials: checked in DisposeAsync)
    }

    /// <summary>Redis's <c>ACL LOG</c> entries for <paramref name="user"/>, each as "reason object".</summary>
    [Fact]
    public async Task DocumentedGrants_CoverRevocations_AddListRemove()
    {
        var port = FreePort.Next();
        var config = ConfigAs(DocumentedUser)
            .Set("Management", new System.Text.Json.Nodes.JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Revocation", new System.Text.Json.Nodes.JsonObject { ["ApiKey"] = Gateway.Tests.Revocation.FleetRevocationTests.ApiKey });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        management.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Gateway.Tests.Revocation.FleetRevocationTests.ApiKey);
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        var token = Idp.Mint(new Dictionary<string, object?> { ["jti"] = "acl-jti" });

        using (var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(management, "/revocations", new { jti = "acl-jti" }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync()); // 503 if Redis refused the script
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await management.DeleteAsync("/revocations?jti=acl-jti")).StatusCode);
        await Eventually.HoldsAsync(async () => (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(2), "the revocation was not removed");
    }

    [Fact]
    public async Task DocumentedGrants_CoverRateLimitChecks_FixedWindowAndTokenBucket()
    {
        var config = ConfigAs(DocumentedUser);
        config.Set("RateLimits", new System.Text.Json.Nodes.JsonObject
        {
            ["window"] = new System.Text.Json.Nodes.JsonObject { ["Limit"] = 5, ["Window"] = "01:00:00", ["Key"] = new System.Text.Json.Nodes.JsonArray("sub") },
            ["bucket"] = new System.Text.Json.Nodes.JsonObject { ["Algorithm"] = "TokenBucket", ["Limit"] = 5, ["Window"] = "01:00:00", ["Key"] = new System.Text.Json.Nodes.JsonArray("sub") },
        });
        config.Route("window", null).Route("bucket", null);
        config.Routes["window"]!["RateLimiterPolicy"] = "window";
        config.Routes["bucket"]!["RateLimiterPolicy"] = "bucket";
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        var token = Idp.Mint();

        // Counted in Redis (the fleet's remaining quota, 5 - 1), not by the local fallback after a refused script.
        foreach (var route in new[] { "window", "bucket" })
        {
            using var response = await gateway.Client.GetWithTokenAsync($"/{route}/x", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(";r=4;", response.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(gateway.Logs.Lines, l => l.EventId == Gateway.Observability.EventIds.RateLimitLocalFallback);
    }

    private async Task<List<string>> DenialsAsync(string user)
    {
        var log = (RedisResult[])(await AdminAsync("ACL", "LOG", "128"))!;
        return log.Select(entry => entry.ToDictionary())
            .Where(entry => entry["username"].ToString() == user)
            .Select(entry => $"{entry["reason"]} {entry["object"]}")
            .ToList();
    }

    private TestConfig ConfigAs(string user)
    {
        var config = Fixture.Config().WithRedis(Fixture.Redis, Prefix + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Gateway["Redis"]!["Configuration"] = $"{Fixture.Redis.ConnectionString},user={user},password={Password}";
        return config;
    }

    /// <summary>Creates (or resets) <paramref name="user"/> with the documented grants, optionally without one of them.</summary>
    private async Task<string> EnsureUserAsync(string user, string? without = null)
    {
        var documented = (await File.ReadAllLinesAsync(RepositoryRoot.Combine("docs", "key-cache.md")))
            .Single(l => l.StartsWith("ACL SETUSER gateway ", StringComparison.Ordinal));
        var rules = documented.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(3)
            .Where(rule => rule != without)
            .Select(rule => rule.Replace("{password}", Password, StringComparison.Ordinal).Replace("{prefix}", Prefix, StringComparison.Ordinal));
        Assert.True(without is null || rules.Count() == documented.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 4, $"the documented line has no '{without}'");
        string[] command = ["ACL", "SETUSER", user, "reset", .. rules];
        await AdminAsync(command);
        return user;
    }

    private async Task<RedisResult> AdminAsync(params string[] command)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(Fixture.Redis.ConnectionString + ",allowAdmin=true");
        return await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync(command[0], command[1..]);
    }
}
