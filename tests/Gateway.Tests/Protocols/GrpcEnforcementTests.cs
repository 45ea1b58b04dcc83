using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.Protocols;

/// <summary>
/// gRPC through the real gateway to a real gRPC server (Grpc.AspNetCore, h2c), called by a real gRPC client
/// (Grpc.Net.Client) over both gateway listeners: TLS with ALPN h2, and cleartext HTTP/2 with prior knowledge.
/// Every call is judged on its own token; claim headers arrive as metadata; a refusal is a gRPC status
/// (trailers-only, HTTP 200) that the client reads as <see cref="RpcException"/>, and never reaches the downstream.
/// </summary>
public sealed class GrpcEnforcementTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private const string OfflineIssuer = "https://offline-issuer.test";
    private readonly IntegrationFixture _fixture;
    private readonly GatewayListeners _listeners = new();
    private readonly TelemetryCapture _telemetry = new();
    private GrpcDownstream _downstream = null!;
    private GatewayInstance _gateway = null!;

    public GrpcEnforcementTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _downstream = await GrpcDownstream.StartAsync();
        var config = _fixture.Config()
            .Policy("echo", new JsonObject { ["Scopes"] = new JsonArray("echo:call") })
            .ClaimHeaders(("X-User-Id", "sub"));

        // An issuer whose keys cannot be loaded (nothing listens on its JWKS port): its tokens are answered 503.
        config.Gateway["Issuers"]!["offline"] = new JsonObject
        {
            ["JwksUri"] = $"http://127.0.0.1:{FreePort.Next()}/jwks",
            ["Issuer"] = OfflineIssuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
        };
        config.Routes["grpc"] = new JsonObject
        {
            ["ClusterId"] = "grpc",
            ["Match"] = new JsonObject { ["Path"] = "/test.Echo/{**method}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "echo" },
        };
        var root = config.Build();
        root["ReverseProxy"]!["Clusters"]!["grpc"] = new JsonObject
        {
            ["HttpRequest"] = new JsonObject { ["Version"] = "2", ["VersionPolicy"] = "RequestVersionExact" },
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = _downstream.BaseAddress } },
        };
        root["Kestrel"] = _listeners.Kestrel();
        _gateway = await GatewayInstance.StartAsync(root, _telemetry.Configure);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _downstream.DisposeAsync();
        _listeners.Dispose();
    }

    public static TheoryData<bool> Listeners() => new() { true, false };

    private GrpcChannel Channel(bool tls) => GrpcChannel.ForAddress(
        tls ? GatewayListeners.Tls(_gateway) : GatewayListeners.Cleartext(_gateway),
        new GrpcChannelOptions { HttpHandler = _listeners.Handler() });

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private string Token(string scope = "echo:call", string sub = "alice", string? issuer = null)
    {
        var claims = new Dictionary<string, object?> { ["scope"] = scope, ["sub"] = sub };
        if (issuer is not null)
        {
            claims["iss"] = issuer;
        }

        return _fixture.Idp.Mint(claims);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task AllowedCall_ReachesTheGrpcServer_OverHttp2_WithClaimHeadersAsMetadata(bool tls)
    {
        using var channel = Channel(tls);
        var invoker = channel.CreateCallInvoker();

        var metadata = Bearer(Token(sub: "alice"));
        metadata.Add("x-user-id", "mallory"); // a client-sent copy of a claim header is replaced, as for any request
        var reply = await invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(metadata), "hi");

        Assert.Equal("hi from alice", reply);
        var call = Assert.Single(_downstream.Calls);
        Assert.Equal("HTTP/2", call.Protocol);
        Assert.Equal("alice", call.Metadata["x-user-id"]);
        Assert.Equal("test", call.Metadata["x-auth-issuer"]); // the issuer header names the configured issuer
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task EveryCall_IsJudgedOnItsOwnToken_OnOneConnection(bool tls)
    {
        using var channel = Channel(tls);
        var invoker = channel.CreateCallInvoker();

        Assert.Equal("1 from alice", await invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(sub: "alice"))), "1"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(scope: "other", sub: "bob"))), "2").ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("3 from carol", await invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(sub: "carol"))), "3"));

        Assert.Equal(["1", "3"], _downstream.Calls.Select(c => c.Message));
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task MissingToken_IsUnauthenticated_WithMessageAndChallenge_AndNeverReachesTheServer(bool tls)
    {
        using var channel = Channel(tls);

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(), "hi").ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("A bearer token is required.", refused.Status.Detail);
        Assert.Equal("Bearer", refused.Trailers.GetValue("www-authenticate"));
        Assert.Empty(_downstream.Calls);
    }

    [Fact]
    public async Task InvalidToken_IsUnauthenticated_NamingTheReason()
    {
        using var channel = Channel(tls: true);
        var expired = _fixture.Idp.Mint(new Dictionary<string, object?>
        {
            ["scope"] = "echo:call",
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds(),
            ["nbf"] = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds(),
        });

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(expired)), "hi").ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("The token is not valid: the token is expired.", refused.Status.Detail);
        Assert.Contains("error=\"invalid_token\"", refused.Trailers.GetValue("www-authenticate"));
        Assert.Empty(_downstream.Calls);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task InsufficientScope_IsPermissionDenied_AndNeverReachesTheServer(bool tls)
    {
        using var channel = Channel(tls);

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(scope: "other"))), "hi").ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("The token does not grant access to this resource.", refused.Status.Detail);
        Assert.Contains("error=\"insufficient_scope\"", refused.Trailers.GetValue("www-authenticate"));
        Assert.Empty(_downstream.Calls);
    }

    [Fact]
    public async Task KeysUnavailable_IsUnavailable_WithRetryAfter_AndNeverReachesTheServer()
    {
        using var channel = Channel(tls: false);

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(issuer: OfflineIssuer))), "hi").ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("retry later", refused.Status.Detail);
        Assert.NotNull(refused.Trailers.GetValue("retry-after"));
        Assert.Empty(_downstream.Calls);
    }

    /// <summary>The wire form, as Envoy answers: HTTP 200, application/grpc, grpc-status in the only HEADERS frame, no body.</summary>
    [Fact]
    public async Task Refusal_IsATrailersOnlyResponse_OverHttp2()
    {
        using var client = new HttpClient(_listeners.Handler()) { BaseAddress = GatewayListeners.Cleartext(_gateway) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test.Echo/Say") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent([0, 0, 0, 0, 2, (byte)'h', (byte)'i']) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("16", Assert.Single(response.Headers.GetValues("grpc-status")));
        Assert.Equal("A bearer token is required.", Assert.Single(response.Headers.GetValues("grpc-message")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
        Assert.Empty(_downstream.Calls);
    }

    /// <summary>The request guard's refusals go through the same writer: a path with parameters is INVALID_ARGUMENT, not a JSON 400.</summary>
    [Fact]
    public async Task RequestGuardRefusal_IsInvalidArgument()
    {
        using var client = new HttpClient(_listeners.Handler()) { BaseAddress = GatewayListeners.Tls(_gateway) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/test.Echo/Say;v=1") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc+proto");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token());

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", Assert.Single(response.Headers.GetValues("grpc-status")));
        Assert.Equal("The request was refused: the request path has path parameters (;).", Assert.Single(response.Headers.GetValues("grpc-message")));
        Assert.Empty(_downstream.Calls);
    }

    /// <summary>A request that is not gRPC still gets the problem JSON on the same route.</summary>
    [Fact]
    public async Task NonGrpcRequest_OnTheSameRoute_StillGetsProblemJson()
    {
        using var client = new HttpClient(_listeners.Handler()) { BaseAddress = GatewayListeners.Tls(_gateway) };

        using var response = await client.PostAsync("/test.Echo/Say", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    /// <summary>A refusal sent as a gRPC status keeps its reason and decision in metrics and on the server span.</summary>
    [Fact]
    public async Task Refusals_KeepTheirReasons_InMetricsAndSpans()
    {
        using var channel = Channel(tls: true);
        var invoker = channel.CreateCallInvoker();
        await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(), "hi").ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(Bearer(Token(scope: "other"))), "hi").ResponseAsync);

        var missing = await _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => s.GetTagItem(Tags.Route) as string == "grpc" && s.GetTagItem(Tags.Reason) as string == "missing");
        Assert.Equal("unauthorized", missing.GetTagItem(Tags.Decision));
        var forbidden = await _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => s.GetTagItem(Tags.Route) as string == "grpc" && s.GetTagItem(Tags.Decision) as string == "forbidden");
        Assert.Equal("policy_not_satisfied", forbidden.GetTagItem(Tags.Reason));

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.ValidationFailures, (Tags.Route, "grpc"), (Tags.Reason, "missing"))).GetSumLong());
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "grpc"), (Tags.Decision, "forbidden"))).GetSumLong());
        Assert.Empty(_downstream.Calls);
    }

    /// <summary>A server-streaming call is judged once, at its start; the messages and the server's trailers pass through.</summary>
    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task ServerStreamingCall_StreamsThrough_AndIsRefusedWithoutAToken(bool tls)
    {
        using var channel = Channel(tls);
        var invoker = channel.CreateCallInvoker();

        using var call = invoker.AsyncServerStreamingCall(GrpcDownstream.Count, null, new CallOptions(Bearer(Token())), "3");
        var received = new List<string>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            received.Add(call.ResponseStream.Current);
        }

        Assert.Equal(["1", "2", "3"], received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);

        using var refusedCall = invoker.AsyncServerStreamingCall(GrpcDownstream.Count, null, new CallOptions(), "3");
        var refused = await Assert.ThrowsAsync<RpcException>(() => refusedCall.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Single(_downstream.Calls);
    }

    /// <summary>The gateway changes nothing in an allowed call's answer: the server's own error status and message arrive.</summary>
    [Fact]
    public async Task AllowedCall_TheServersOwnErrorStatus_ReachesTheClient()
    {
        using var channel = Channel(tls: false);

        var failed = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Fail, null, new CallOptions(Bearer(Token())), "no such order").ResponseAsync);

        Assert.Equal(StatusCode.NotFound, failed.StatusCode);
        Assert.Equal("no such order", failed.Status.Detail);
        Assert.Single(_downstream.Calls);
    }
}
