using System.Text;
using System.Text.Json.Nodes;
using Gateway.Forwarding;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>
/// Headers that downstreams trust for routing, method or client identity (<c>X-Original-URL</c>,
/// <c>X-HTTP-Method-Override</c>, <c>X-Real-IP</c>, …) never reach the downstream from a client, on protected and
/// anonymous routes alike, unless a route passes them by name in <c>Metadata:PassHeaders</c>; the client's
/// <c>X-Forwarded-*</c> are replaced by YARP's own.
/// </summary>
public sealed class RoutingHeaderTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public RoutingHeaderTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Route("public", "public")
            .Route("legacy", "public", new JsonObject { ["PassHeaders"] = "X-Real-IP, x-http-method-override" })
            .StartAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static string SpoofedHeaders()
    {
        var headers = new StringBuilder();
        foreach (var name in RoutingHeaders.Names)
        {
            headers.Append(name.ToUpperInvariant()).Append(": spoofed\n");
        }

        return headers.Append("X-Real-IP: spoofed-again\nX_Original_URL: /admin\nx_forwarded_user: spoofed\nX-Forwarded-For: 6.6.6.6\nX-Forwarded-Host: admin.internal\nX-Forwarded-Proto: https\nX-Forwarded-Prefix: /admin\n").ToString();
    }

    [Theory]
    [InlineData("/api/x", true)]
    [InlineData("/public/x", false)]
    public async Task RoutingHeaders_NeverReachTheDownstream(string path, bool withToken)
    {
        var authorization = withToken ? $"Authorization: Bearer {_fixture.Idp.Mint()}\n" : "";

        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET {path} HTTP/1.1\nHost: t\n{authorization}{SpoofedHeaders()}Connection: close\n");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.DoesNotContain(received.Headers.Keys, name => RoutingHeaders.Names.Contains(name.Replace('_', '-')));
        Assert.DoesNotContain(received.Headers.Values.SelectMany(v => v), value => value!.Contains("spoofed", StringComparison.Ordinal));
        // YARP's default transforms replace the client's X-Forwarded-* with what the gateway saw.
        Assert.Equal("127.0.0.1", received.Header("X-Forwarded-For"));
        Assert.Equal("t", received.Header("X-Forwarded-Host"));
        Assert.Equal("http", received.Header("X-Forwarded-Proto"));
        Assert.False(received.HasHeader("X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task ARoute_PassesOnlyTheHeadersItNames()
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /legacy/x HTTP/1.1\nHost: t\nX-Real-IP: 10.1.2.3\nX-HTTP-Method-Override: PATCH\nX-Original-URL: /admin\nTrue-Client-IP: 6.6.6.6\nConnection: close\n");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.Equal("10.1.2.3", received.Header("X-Real-IP"));
        Assert.Equal("PATCH", received.Header("X-HTTP-Method-Override"));
        Assert.False(received.HasHeader("X-Original-URL"));
        Assert.False(received.HasHeader("True-Client-IP"));
    }
}
