using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Protocols;

/// <summary>
/// WebSockets through the real gateway to a real WebSocket server (Kestrel, <c>UseWebSockets</c>), opened by a real
/// client (<see cref="ClientWebSocket"/>): HTTP/1.1 <c>Upgrade: websocket</c> and HTTP/2 extended CONNECT (RFC 8441),
/// over TLS and over cleartext HTTP/2. The token is enforced at the upgrade; the claim headers are on the upgrade
/// request the server sees (client-sent copies replaced); a refused upgrade is an HTTP answer and never reaches the server.
/// </summary>
public sealed class WebSocketEnforcementTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly GatewayListeners _listeners = new();
    private WebSocketDownstream _downstream = null!;
    private GatewayInstance _gateway = null!;

    public WebSocketEnforcementTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _downstream = await WebSocketDownstream.StartAsync();
        var config = _fixture.Config()
            .Policy("chat", new JsonObject { ["Scopes"] = new JsonArray("chat") })
            .ClaimHeaders(("X-User-Id", "sub"));
        config.Routes["ws"] = new JsonObject
        {
            ["ClusterId"] = "ws",
            ["Match"] = new JsonObject { ["Path"] = "/ws/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "chat" },
        };
        var root = config.Build();
        root["ReverseProxy"]!["Clusters"]!["ws"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = _downstream.BaseAddress } },
        };
        root["Kestrel"] = _listeners.Kestrel();
        _gateway = await GatewayInstance.StartAsync(root);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _downstream.DisposeAsync();
        _listeners.Dispose();
    }

    /// <summary>(listener, HTTP version): HTTP/1.1 upgrade over TLS, extended CONNECT over TLS (ALPN h2) and over h2c.</summary>
    public static TheoryData<bool, string> Connections() => new()
    {
        { true, "1.1" },
        { true, "2.0" },
        { false, "2.0" },
    };

    private ClientWebSocket Client(string version, string? token, string? spoofedUser = null)
    {
        var client = new ClientWebSocket();
        client.Options.HttpVersion = Version.Parse(version);
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        client.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            client.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        if (spoofedUser is not null)
        {
            client.Options.SetRequestHeader("X-User-Id", spoofedUser);
        }

        return client;
    }

    private Uri SocketUri(bool tls)
    {
        var address = tls ? GatewayListeners.Tls(_gateway) : GatewayListeners.Cleartext(_gateway);
        return new UriBuilder(address) { Scheme = tls ? "wss" : "ws", Path = "/ws/chat" }.Uri;
    }

    private async Task ConnectAsync(ClientWebSocket client, bool tls)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(SocketUri(tls), new HttpMessageInvoker(_listeners.Handler()), timeout.Token);
    }

    private string Token(string scope = "chat", string sub = "alice") =>
        _fixture.Idp.Mint(new Dictionary<string, object?> { ["scope"] = scope, ["sub"] = sub });

    [Theory]
    [MemberData(nameof(Connections))]
    public async Task AllowedUpgrade_CarriesTheClaimHeaders_AndEchoesBothWays(bool tls, string version)
    {
        using var client = Client(version, Token(sub: "alice"), spoofedUser: "mallory");

        await ConnectAsync(client, tls);

        Assert.Equal(WebSocketState.Open, client.State);
        Assert.Equal("hello alice", await ReceiveTextAsync(client)); // the server read X-User-Id from the upgrade request
        await SendTextAsync(client, "ping");
        Assert.Equal("echo: ping", await ReceiveTextAsync(client));
        await SendTextAsync(client, "second");
        Assert.Equal("echo: second", await ReceiveTextAsync(client));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketState.Closed, client.State);

        var upgrade = Assert.Single(_downstream.Received);
        Assert.True(upgrade.IsWebSocket);
        Assert.Equal("alice", upgrade.Headers["X-User-Id"]);
        Assert.Equal("HTTP/1.1", upgrade.Protocol); // an HTTP/2 extended CONNECT reaches an HTTP/1.1 server as an upgrade
    }

    [Theory]
    [MemberData(nameof(Connections))]
    public async Task UpgradeWithoutToken_Is401_WithChallenge_AndNeverReachesTheServer(bool tls, string version)
    {
        using var client = Client(version, token: null);

        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(client, tls));

        Assert.Equal(HttpStatusCode.Unauthorized, client.HttpStatusCode);
        Assert.Equal("Bearer", string.Join(",", client.HttpResponseHeaders!["WWW-Authenticate"]));
        Assert.Empty(_downstream.Received);
    }

    [Theory]
    [MemberData(nameof(Connections))]
    public async Task UpgradeWithInsufficientScope_Is403_AndNeverReachesTheServer(bool tls, string version)
    {
        using var client = Client(version, Token(scope: "other"));

        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(client, tls));

        Assert.Equal(HttpStatusCode.Forbidden, client.HttpStatusCode);
        Assert.Contains("insufficient_scope", string.Join(",", client.HttpResponseHeaders!["WWW-Authenticate"]));
        Assert.Empty(_downstream.Received);
    }

    private static async Task SendTextAsync(ClientWebSocket client, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var result = await client.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
