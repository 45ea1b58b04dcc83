using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>
/// Path tricks sent as raw request lines: none reaches a path under the protected <c>/admin/</c> prefix
/// through the anonymous <c>/public/</c> route or the anonymous catch-all route. Kestrel normalizes
/// <c>..</c> and <c>%2e%2e</c> before routing (so the stricter route's policy applies), and the gateway
/// refuses (400) what a downstream could still read differently.
/// </summary>
public sealed class PathConfusionTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public PathConfusionTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        var config = _fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Policy("admin-only", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Route("public", "public")
            .Route("admin", "admin-only");
        config.Routes["everything-else"] = new JsonObject
        {
            ["ClusterId"] = "downstream",
            ["Order"] = 1000,
            ["Match"] = new JsonObject { ["Path"] = "/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "public" },
        };
        _gateway = await config.StartAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> NormalizedToAdmin() =>
    [
        "/public/../admin/stats",
        "/public/%2e%2e/admin/stats",
        "/public/%2E%2E/admin/stats",
        "/public/.%2e/admin/stats",
        "/public/./../admin/stats",
        "/x/../../admin/stats",
        "/ADMIN/stats",
        "/Admin/stats",
        "/admin/./stats",
        "/%61dmin/stats",
        "http://test/admin/stats",
    ];

    [Theory]
    [MemberData(nameof(NormalizedToAdmin))]
    public async Task DotSegmentsAndCase_AreResolvedBeforeRouting_SoTheStricterPolicyApplies(string target)
    {
        var response = await SendAsync(target);

        Assert.Equal(401, response.Status);
        Assert.Contains("WWW-Authenticate: Bearer", response.Head, StringComparison.Ordinal);
        Assert.Empty(_fixture.Downstream.Received);
    }

    public static TheoryData<string> Ambiguous() =>
    [
        "/public/..%2fadmin/stats",
        "/public/..%2Fadmin/stats",
        "/public/%2e%2e%2fadmin/stats",
        "/public/..%5cadmin/stats",
        "/public/..%5Cadmin/stats",
        "/public/..\\admin/stats",
        "/public/..;/admin/stats",
        "/public/.;x/admin/stats",
        "/public/%252e%252e/admin/stats",
        "/public/%252e%252e%252fadmin/stats",
        "/public//admin/stats",
        "//admin/stats",
        "/public/%2fadmin/stats",
        "/public/x%00/../../admin/stats",
        "/public/x%0d%0aX-User-Id:%20admin",
        "/public/x%09",
        "/elsewhere/x;y=1",
        "/public/x%3By",
    ];

    [Theory]
    [MemberData(nameof(Ambiguous))]
    public async Task AmbiguousPaths_AreRefused_AndNeverForwarded(string target)
    {
        var response = await SendAsync(target);

        Assert.Equal(400, response.Status);
        Assert.DoesNotContain("WWW-Authenticate", response.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Theory]
    [InlineData("/public/info", "/public/info")]
    [InlineData("/public/a/../info", "/public/info")]
    [InlineData("/public/caf%C3%A9", "/public/café")]
    public async Task OrdinaryPaths_AreForwarded_AsRoutedAndAsPolicyChecked(string target, string forwarded)
    {
        var response = await SendAsync(target);

        Assert.Equal(200, response.Status);
        Assert.Equal(forwarded, Uri.UnescapeDataString(_fixture.Downstream.Single().Path));
    }

    private Task<RawResponse> SendAsync(string target) =>
        RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET {target} HTTP/1.1\nHost: test\nConnection: close\n");
}
