using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Revocation;

/// <summary>The revocation endpoint without Redis (this instance's memory), its credential, its listener, and its configuration rules.</summary>
public sealed class RevocationEndpointTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public RevocationEndpointTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task WithoutRedis_TheEndpointRevokesOnThisInstance_OnlyOnTheManagementListener_WithItsCredential()
    {
        var port = FreePort.Next();
        var config = _fixture.Config()
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Revocation", new JsonObject { ["ApiKey"] = FleetRevocationTests.ApiKey });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["jti"] = "local-1" });
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode);

        // No credential, a wrong one: 401, nothing changes.
        Assert.Equal(HttpStatusCode.Unauthorized, (await management.PostAsJsonAsync("/revocations", new { jti = "local-1" })).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/revocations") { Content = JsonContent.Create(new { jti = "local-1" }) })
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FleetRevocationTests.ApiKey + "x");
            using var refused = await management.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }

        // The public listener never serves it, credential or not, and never forwards it.
        _fixture.Downstream.Clear();
        using (var onPublic = new HttpRequestMessage(HttpMethod.Post, "/revocations") { Content = JsonContent.Create(new { jti = "local-1" }) })
        {
            onPublic.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FleetRevocationTests.ApiKey);
            Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.SendAsync(onPublic)).StatusCode);
        }

        Assert.Empty(_fixture.Downstream.Received);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode);

        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FleetRevocationTests.ApiKey);
        Assert.Equal(HttpStatusCode.BadRequest, (await management.PostAsJsonAsync("/revocations", new { sub = "alice" })).StatusCode); // a sub needs its issuer
        Assert.Equal(HttpStatusCode.BadRequest, (await management.PostAsJsonAsync("/revocations", new { jti = "a", sid = "b" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await management.PostAsJsonAsync("/revocations", new { jti = "a", issuer = "nobody" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await management.PostAsJsonAsync("/revocations", new { jti = "a", extra = 1 })).StatusCode);

        using (var created = await management.PostAsJsonAsync("/revocations", new { jti = "local-1" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Contains("\"instance\"", await created.Content.ReadAsStringAsync());
        }

        using (var refused = await gateway.Client.GetWithTokenAsync("/api/x", token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("the token has been revoked", refused.Headers.WwwAuthenticate.ToString());
        }

        Assert.Contains("local-1", await management.GetStringAsync("/revocations"));
        Assert.Equal(HttpStatusCode.NoContent, (await management.DeleteAsync("/revocations?jti=local-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await management.DeleteAsync("/revocations?jti=local-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode);
    }

    /// <summary>
    /// A reload the gateway accepts is never weaker than what it says: rotating a leaked key by reload makes the old key
    /// stop working at the next request, removing the key switches the endpoint off, and setting one switches it on.
    /// Review finding: the key was read at startup only, so the old key kept revoking (and un-revoking) after a reload.
    /// </summary>
    [Fact]
    public async Task ARotatedKey_ARemovedKey_AndAnAddedKey_ApplyOnReload()
    {
        const string newKey = "revocation-rotated-key-0123456789abcdef0123";
        var port = FreePort.Next();
        var config = _fixture.Config()
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" })
            .Set("Revocation", new JsonObject { ["ApiKey"] = FleetRevocationTests.ApiKey });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        Assert.Equal(HttpStatusCode.OK, await ListAsync(management, FleetRevocationTests.ApiKey));

        config.Set("Revocation", new JsonObject { ["ApiKey"] = newKey });
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(management, FleetRevocationTests.ApiKey));
        Assert.Equal(HttpStatusCode.OK, await ListAsync(management, newKey));

        config.Set("Revocation", new JsonObject());
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.NotFound, await ListAsync(management, newKey));

        config.Set("Revocation", new JsonObject { ["ApiKey"] = FleetRevocationTests.ApiKey });
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.Unauthorized, await ListAsync(management, newKey));
        Assert.Equal(HttpStatusCode.OK, await ListAsync(management, FleetRevocationTests.ApiKey));
    }

    /// <summary>Without a key at startup the endpoint is off (404); a reload that sets one switches it on.</summary>
    [Fact]
    public async Task WithoutAKeyAtStartup_TheEndpointIsOff_UntilAReloadSetsOne()
    {
        var port = FreePort.Next();
        var config = _fixture.Config().Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{port}" });
        await using var gateway = await config.StartAsync();
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        Assert.Equal(HttpStatusCode.NotFound, await ListAsync(management, FleetRevocationTests.ApiKey));

        config.Set("Revocation", new JsonObject { ["ApiKey"] = FleetRevocationTests.ApiKey });
        Assert.True(await gateway.RewriteConfigAsync(config.Build()), gateway.Logs.AllText());

        Assert.Equal(HttpStatusCode.OK, await ListAsync(management, FleetRevocationTests.ApiKey));
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/revocations")).StatusCode); // never on the public listener
    }

    private static async Task<HttpStatusCode> ListAsync(HttpClient management, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/revocations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await management.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task RevokeCommand_WithoutRedis_ExplainsItNeedsRedis()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await GatewayCommandLine.RunAsync(["revoke", "--jti", "x", "--config", gateway.ConfigFile, "--environment", "Production"], stdout, stderr, _ => throw new InvalidOperationException());

        Assert.Equal(1, exit);
        Assert.Contains("Gateway:Redis:Configuration is not set", stderr.ToString());
        Assert.Contains("/revocations", stderr.ToString());
    }

    [Theory]
    [InlineData(new[] { "revoke", "--help" }, "--before <TIME>")]
    [InlineData(new[] { "revoke", "-h" }, "--list")]
    public async Task RevokeCommand_Help(string[] args, string expected)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await GatewayCommandLine.RunAsync(args, stdout, stderr, _ => throw new InvalidOperationException());

        Assert.Equal(0, exit);
        Assert.Contains(expected, stdout.ToString());
    }

    [Theory]
    [InlineData(new[] { "revoke" }, "name exactly one of jti")]
    [InlineData(new[] { "revoke", "--sub", "alice" }, "--sub needs --issuer")]
    [InlineData(new[] { "revoke", "--list", "--jti", "x" }, "--list takes no other switch")]
    [InlineData(new[] { "revoke", "--jti", "x", "--expires", "soon" }, "--expires 'soon'")]
    public async Task RevokeCommand_UsageErrors_Exit2(string[] args, string expected)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await GatewayCommandLine.RunAsync(args, stdout, stderr, _ => throw new InvalidOperationException());

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr.ToString());
    }

    [Fact]
    public async Task ApiKey_WithoutAManagementListener_IsRefusedWithItsPath()
    {
        var config = _fixture.Config().Set("Revocation", new JsonObject { ["ApiKey"] = FleetRevocationTests.ApiKey });

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => config.StartAsync());

        Assert.Contains("Gateway:Revocation:ApiKey", error.Message);
        Assert.Contains("Gateway:Management:Url", error.Message);
    }

    [Theory]
    [InlineData("CHANGE_ME-revocation-key-0123456789abcdef", "is a placeholder")]
    [InlineData("short", "at least 32 characters")]
    public async Task ApiKey_PlaceholderOrShort_IsRefusedWithItsPath(string key, string expected)
    {
        var config = _fixture.Config()
            .Set("Management", new JsonObject { ["Url"] = $"http://127.0.0.1:{FreePort.Next()}" })
            .Set("Revocation", new JsonObject { ["ApiKey"] = key });

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => config.StartAsync());

        Assert.Contains("Gateway:Revocation:ApiKey", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
