using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Revocation;

/// <summary>
/// Three real gateways on one real redis-server (their own, so it can be killed), each with a management listener
/// that serves <c>/revocations</c>: a revocation made on one replica is enforced by all, cached tokens included.
/// </summary>
public sealed class FleetRevocationTests : IDisposable, IClassFixture<IntegrationFixture>
{
    internal const string ApiKey = "revocation-test-key-0123456789abcdef0123";

    private readonly IntegrationFixture _fixture;
    private readonly RedisServer _redis = new();

    public FleetRevocationTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public void Dispose() => _redis.Dispose();

    private sealed record Replica(GatewayInstance Gateway, HttpClient Management);

    private async Task<Replica[]> StartFleetAsync(int size)
    {
        var config = _fixture.Config().WithRedis(_redis, "rev-" + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Set("Revocation", new JsonObject { ["ApiKey"] = ApiKey });
        var replicas = new List<Replica>();
        for (var i = 0; i < size; i++)
        {
            var port = FreePort.Next();
            config.Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" });
            var gateway = await config.StartAsync();
            var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            replicas.Add(new Replica(gateway, management));
        }

        foreach (var replica in replicas)
        {
            await Eventually.HoldsAsync(async () => (await replica.Management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "a replica did not become ready");
        }

        return [.. replicas];
    }

    private static async Task StopAsync(IEnumerable<Replica> fleet)
    {
        foreach (var replica in fleet)
        {
            replica.Management.Dispose();
            await replica.Gateway.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(Replica replica, string token)
    {
        using var response = await replica.Gateway.Client.GetWithTokenAsync("/api/x", token);
        return response.StatusCode;
    }

    private string MintWith(string claim, string value, string sub = "alice") =>
        _fixture.Idp.Mint(new Dictionary<string, object?> { [claim] = value, ["sub"] = sub });

    [Fact]
    public async Task RevocationOnOneReplica_IsEnforcedByAllThree_WithinOneSecond_CachedTokensIncluded()
    {
        var fleet = await StartFleetAsync(3);
        try
        {
            var jti = "jti-" + Guid.NewGuid().ToString("N");
            var revoked = MintWith("jti", jti);
            var other = MintWith("jti", "jti-" + Guid.NewGuid().ToString("N"));
            foreach (var replica in fleet)
            {
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, revoked)); // now in each replica's validated-token cache
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, other));
            }

            var clock = Stopwatch.StartNew();
            using (var created = await fleet[0].Management.PostAsJsonAsync("/revocations", new { jti, issuer = "test" }))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                Assert.Contains("\"fleet\"", await created.Content.ReadAsStringAsync());
            }

            await Eventually.HoldsAsync(
                async () => (await Task.WhenAll(fleet.Select(r => StatusAsync(r, revoked)))).All(s => s == HttpStatusCode.Unauthorized),
                TimeSpan.FromSeconds(1),
                "a replica still accepted the revoked token 1 s after the revocation");
            var elapsed = clock.Elapsed;

            foreach (var replica in fleet)
            {
                using var response = await replica.Gateway.Client.GetWithTokenAsync("/api/x", revoked);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
                Assert.Contains("the token has been revoked", response.Headers.WwwAuthenticate.ToString());
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, other)); // only that token
                Assert.Contains("token rejected: Revoked", replica.Gateway.Logs.AllText());
            }

            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");

            // Taken back on another replica: accepted everywhere again.
            using (var removed = await fleet[2].Management.DeleteAsync($"/revocations?jti={jti}&issuer=test"))
            {
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            }

            await Eventually.HoldsAsync(
                async () => (await Task.WhenAll(fleet.Select(r => StatusAsync(r, revoked)))).All(s => s == HttpStatusCode.OK),
                TimeSpan.FromSeconds(1),
                "a replica still refused the token 1 s after its revocation was removed");
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task SubjectCutoff_ThroughTheRevokeCommand_RefusesOlderTokensOfThatSubjectOnly_OnEveryReplica()
    {
        var fleet = await StartFleetAsync(3);
        try
        {
            var old = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "mallory", ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds() });
            var noIat = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "mallory", ["iat"] = null });
            var otherUser = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "bob", ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds() });
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(fleet[1], old));

            var cutoff = DateTimeOffset.UtcNow.AddMinutes(-1);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await GatewayCommandLine.RunAsync(
                ["revoke", "--config", fleet[0].Gateway.ConfigFile, "--environment", "Production", "--issuer", "test", "--sub", "mallory", "--before", cutoff.ToString("O")],
                stdout,
                stderr,
                _ => throw new InvalidOperationException("not the gateway"));
            Assert.True(exit == 0, stderr.ToString());
            Assert.Contains("sub=mallory issuer=test", stdout.ToString());

            await Eventually.HoldsAsync(
                async () => (await Task.WhenAll(fleet.Select(r => StatusAsync(r, old)))).All(s => s == HttpStatusCode.Unauthorized),
                TimeSpan.FromSeconds(1),
                "a replica still accepted a token issued before the cutoff");
            var fresh = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "mallory" }); // issued now, after the cutoff
            foreach (var replica in fleet)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(replica, noIat)); // cannot show it is newer
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, fresh));
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, otherUser));
            }

            // --list reads the same Redis and prefix.
            using var listed = new StringWriter();
            Assert.Equal(0, await GatewayCommandLine.RunAsync(["revoke", "--list", "--config", fleet[0].Gateway.ConfigFile, "--environment", "Production"], listed, stderr, _ => throw new InvalidOperationException()));
            Assert.Contains("sub=mallory issuer=test issued-before=", listed.ToString());
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task RedisKilledAndRestarted_RevocationsMadeBeforeAndDuringTheOutage_ApplyOnEveryReplicaOnceItReconnects()
    {
        var fleet = await StartFleetAsync(3);
        try
        {
            var sidBefore = "session-before-" + Guid.NewGuid().ToString("N");
            var sidDuring = "session-during-" + Guid.NewGuid().ToString("N");
            var before = MintWith("sid", sidBefore);
            var during = MintWith("sid", sidDuring);
            using (var created = await fleet[0].Management.PostAsJsonAsync("/revocations", new { sid = sidBefore }))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            await Eventually.HoldsAsync(async () => (await Task.WhenAll(fleet.Select(r => StatusAsync(r, before)))).All(s => s == HttpStatusCode.Unauthorized), TimeSpan.FromSeconds(1), "the first revocation did not reach every replica");
            foreach (var replica in fleet)
            {
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(replica, during));
            }

            // Redis dies (its data with it: no persistence). Replicas keep enforcing what they hold, and a revocation
            // made now on replica 1 is enforced there at once; the answer says it did not reach the fleet.
            _redis.Stop();
            await Eventually.HoldsAsync(
                async () =>
                {
                    using var response = await fleet[1].Management.PostAsJsonAsync("/revocations", new { sid = sidDuring });
                    return response.StatusCode == HttpStatusCode.ServiceUnavailable;
                },
                TimeSpan.FromSeconds(10),
                "the endpoint did not report Redis as unavailable");
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(fleet[1], during));
            foreach (var replica in fleet)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(replica, before));
            }

            // Redis comes back empty: replicas reconnect, write back what it lost, and every replica enforces both.
            _redis.Start();
            await Eventually.HoldsAsync(
                async () => (await Task.WhenAll(fleet.SelectMany(r => new[] { StatusAsync(r, before), StatusAsync(r, during) }))).All(s => s == HttpStatusCode.Unauthorized),
                TimeSpan.FromSeconds(15),
                "after Redis restarted, a replica still accepted a token revoked before or during the outage");

            // And the fleet's Redis holds them again (a new replica would load them).
            using var listed = new StringWriter();
            using var stderr = new StringWriter();
            Assert.Equal(0, await GatewayCommandLine.RunAsync(["revoke", "--list", "--config", fleet[0].Gateway.ConfigFile, "--environment", "Production"], listed, stderr, _ => throw new InvalidOperationException()));
            Assert.Contains("sid=" + sidBefore, listed.ToString());
            Assert.Contains("sid=" + sidDuring, listed.ToString());
        }
        finally
        {
            _redis.Start();
            await StopAsync(fleet);
        }
    }
}
