using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>
/// Issue 10 §2, reproduced with raw request lines through the real gateway: routes <c>/api/admin/**</c> (role admin),
/// <c>/api/**</c> (any token) and an anonymous catch-all. A servlet-style downstream drops <c>;params</c> and a
/// Windows-style one trims trailing dots and spaces, so <c>/api;x/admin/secret</c> or <c>/api/admin./secret</c> is
/// <c>/api/admin/secret</c> downstream: such paths are refused (400) by default, or, with
/// <c>Gateway:Limits:PathNormalization: "Normalize"</c>, normalized before routing, judged by the admin route and
/// forwarded normalized.
/// </summary>
public sealed class PathParameterTests : IAsyncLifetime, IClassFixture<SharedGatewayFixture>
{
    private readonly SharedGatewayFixture _shared;
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public PathParameterTests(SharedGatewayFixture shared)
    {
        _shared = shared;
        _fixture = shared.Integration;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _shared.GatewayAsync(() => Config().StartAsync()); // one for the class; a test that rewrites the configuration starts its own
    }

    // The gateway belongs to the class (SharedGatewayFixture disposes it).
    public Task DisposeAsync() => Task.CompletedTask;

    internal static TestConfig AdminApiConfig(IntegrationFixture fixture)
    {
        var config = fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Policy("admin-only", new JsonObject { ["Roles"] = new JsonArray("admin") });
        config.Routes["admin-api"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Match"] = new JsonObject { ["Path"] = "/api/admin/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "admin-only" },
        };
        config.Routes["everything-else"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Order"] = 1000,
            ["Match"] = new JsonObject { ["Path"] = "/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "public" },
        };
        return config;
    }

    private TestConfig Config() => AdminApiConfig(_fixture);

    private string UserToken() => _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = "user" });

    private string AdminToken() => _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = "admin" });

    public static TheoryData<string> Disguised() =>
    [
        "/api;x/admin/secret",
        "/api;/admin/secret",
        "/api/admin;x/secret",
        "/api/admin;/secret",
        "/api/admin;jsessionid=1/secret",
        "/api%3Bx/admin/secret",
        "/api/admin%3bx/secret",
        "/api/admin%3B/secret",
        "/api/admin./secret",
        "/api/admin%2e/secret",
        "/api/admin%2E%2E/secret",
        "/api/admin%20/secret",
        "/api/%20admin/secret",
        "/api/admin%20%2e/secret",
        "/api/admin%C2%A0/secret",
        "/api/admin/secret.",
        "/api/admin/secret;x",
    ];

    [Theory]
    [MemberData(nameof(Disguised))]
    public async Task Disguised_AdminPaths_AreRefused_WithoutAToken(string target)
    {
        var response = await SendAsync(_gateway, target, token: null);

        AssertRefused(response);
    }

    [Theory]
    [MemberData(nameof(Disguised))]
    public async Task Disguised_AdminPaths_AreRefused_WithANonAdminToken(string target)
    {
        var response = await SendAsync(_gateway, target, UserToken());

        AssertRefused(response);
    }

    [Theory]
    [InlineData("/api/orders", "/api/orders")]
    [InlineData("/api/v1.0/orders", "/api/v1.0/orders")]
    [InlineData("/api/a%20b/x", "/api/a b/x")]
    [InlineData("/api/.well-known/x", "/api/.well-known/x")]
    public async Task OrdinaryPaths_StillPass(string target, string forwarded)
    {
        var response = await SendAsync(_gateway, target, UserToken());

        Assert.Equal(200, response.Status);
        Assert.Equal(forwarded, _fixture.Downstream.Single().Path);
    }

    [Fact]
    public async Task Host_WithTrailingDot_DoesNotEscapeAHostMatchedRoute()
    {
        await using var gateway = await HostConfig().StartAsync();

        foreach (var host in new[] { "admin.example.com", "admin.example.com.", "ADMIN.Example.COM", "Admin.Example.Com.", "admin.example.com.:80" })
        {
            var anonymous = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET /x HTTP/1.1\nHost: {host}\nConnection: close\n");
            Assert.True(anonymous.Status == 401, $"{host}: {anonymous.Status}");

            var user = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET /x HTTP/1.1\nHost: {host}\nAuthorization: Bearer {UserToken()}\nConnection: close\n");
            Assert.True(user.Status == 403, $"{host}: {user.Status}");
        }

        // Absolute form: Kestrel requires the Host header to repeat the authority; the same canonical host is matched.
        var absolute = await RawHttp.SendAsync(gateway.Client.BaseAddress!, "GET http://admin.example.com./x HTTP/1.1\nHost: admin.example.com.\nConnection: close\n");
        Assert.True(absolute.Status is 401 or 400, $"absolute form: {absolute.Status}");
        Assert.Empty(_fixture.Downstream.Received);

        var admin = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET /x HTTP/1.1\nHost: Admin.Example.Com.\nAuthorization: Bearer {AdminToken()}\nConnection: close\n");
        Assert.Equal(200, admin.Status);
        Assert.Equal("admin.example.com", _fixture.Downstream.Single().Header("X-Forwarded-Host"));
    }

    [Theory]
    [InlineData("admin.example.com..")]
    [InlineData("admin..example.com")]
    [InlineData(".admin.example.com")]
    [InlineData("admin.example.com%2e")]
    [InlineData("admin.example.com;x")]
    [InlineData(".")]
    public async Task Host_ThatIsNotAPlainName_IsRefused(string host)
    {
        await using var gateway = await HostConfig().StartAsync();

        var response = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET /x HTTP/1.1\nHost: {host}\nConnection: close\n");

        Assert.True(response.Status == 400, $"{host}: {response.Status}");
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Theory]
    [InlineData("/api;x/admin/secret", "/api/admin/secret")]
    [InlineData("/api/admin;x/secret", "/api/admin/secret")]
    [InlineData("/api/admin%3Bx/secret", "/api/admin/secret")]
    [InlineData("/api/admin./secret", "/api/admin/secret")]
    [InlineData("/api/admin%20/secret", "/api/admin/secret")]
    [InlineData("/api/admin%2e%20/secret;v=1", "/api/admin/secret")]
    public async Task Normalize_JudgesTheNormalizedPath_AndForwardsIt(string target, string normalized)
    {
        await using var gateway = await Config().Set("Limits", new JsonObject { ["PathNormalization"] = "Normalize" }).StartAsync();

        Assert.Equal(401, (await SendAsync(gateway, target, token: null)).Status);
        Assert.Equal(403, (await SendAsync(gateway, target, UserToken())).Status);
        Assert.Empty(_fixture.Downstream.Received);

        var admin = await SendAsync(gateway, target + "?q=1", AdminToken());

        Assert.Equal(200, admin.Status);
        var received = _fixture.Downstream.Single();
        Assert.Equal(normalized + "?q=1", received.RawTarget);
    }

    [Fact]
    public async Task PathNormalization_IsHotReloadable()
    {
        await using var gateway = await Config().StartAsync(); // its own: this test rewrites the configuration
        Assert.Equal(400, (await SendAsync(gateway, "/api;x/admin/secret", AdminToken())).Status);

        Assert.True(await gateway.RewriteConfigAsync(Config().Set("Limits", new JsonObject { ["PathNormalization"] = "Normalize" }).Build()));
        Assert.Equal(200, (await SendAsync(gateway, "/api;x/admin/secret", AdminToken())).Status);
        Assert.Equal("/api/admin/secret", _fixture.Downstream.Single().RawTarget);

        Assert.True(await gateway.RewriteConfigAsync(Config().Build()));
        Assert.Equal(400, (await SendAsync(gateway, "/api;x/admin/secret", AdminToken())).Status);
        Assert.Single(_fixture.Downstream.Received);
    }

    [Theory]
    [InlineData("/api/;x/admin")]
    [InlineData("/api/..;x/admin")]
    [InlineData("/api/...;x/admin")]
    [InlineData("/api/%20/admin")]
    public async Task Normalize_StillRefuses_WhatNormalizesIntoAnAmbiguousPath(string target)
    {
        await using var gateway = await Config().Set("Limits", new JsonObject { ["PathNormalization"] = "Normalize" }).StartAsync();

        var response = await SendAsync(gateway, target, AdminToken());

        Assert.Equal(400, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Theory]
    [InlineData("CONNECT admin.example.com:443 HTTP/1.1\nHost: admin.example.com:443\nConnection: close\n")]
    [InlineData("CONNECT /api/x HTTP/1.1\nHost: t\nConnection: close\n")]
    [InlineData("TRACE /api/x HTTP/1.1\nHost: t\nConnection: close\n")]
    [InlineData("TRACE /anything HTTP/1.1\nHost: t\nConnection: close\n")]
    [InlineData("TRACK /anything HTTP/1.1\nHost: t\nConnection: close\n")]
    public async Task Connect_AndTrace_Get405_NotA502(string request)
    {
        var linesBefore = _gateway.Logs.Lines.Count; // the class's gateway: judge only what this request logged
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, request);

        Assert.Equal(405, response.Status);
        Assert.Contains("Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", response.Head, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response.Head, StringComparison.Ordinal);
        Assert.Empty(_fixture.Downstream.Received);
        Assert.DoesNotContain(_gateway.Logs.Lines.Skip(linesBefore), l => l.Exception is not null || l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    private TestConfig HostConfig()
    {
        var config = Config();
        config.Routes["admin-host"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Match"] = new JsonObject { ["Path"] = "/{**rest}", ["Hosts"] = new JsonArray("admin.example.com") },
            ["Metadata"] = new JsonObject { ["Policy"] = "admin-only" },
        };
        return config;
    }

    private void AssertRefused(RawResponse response)
    {
        Assert.Equal(400, response.Status);
        Assert.Contains("application/problem+json", response.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("WWW-Authenticate", response.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_fixture.Downstream.Received);
    }

    private static Task<RawResponse> SendAsync(GatewayInstance gateway, string target, string? token)
    {
        var authorization = token is null ? "" : $"Authorization: Bearer {token}\n";
        return RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET {target} HTTP/1.1\nHost: test\n{authorization}Connection: close\n");
    }
}
