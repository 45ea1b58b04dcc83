using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.Tests.Protocols;

/// <summary>
/// A rate-limited gRPC route through the real gateway to a real gRPC server: over the limit, the call ends with
/// RESOURCE_EXHAUSTED (trailers-only), carrying <c>Retry-After</c> and the <c>RateLimit</c> fields, and never reaches the server.
/// </summary>
public sealed class GrpcRateLimitTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly GatewayListeners _listeners = new();
    private GrpcDownstream _downstream = null!;
    private GatewayInstance _gateway = null!;

    public GrpcRateLimitTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _downstream = await GrpcDownstream.StartAsync();
        var config = _fixture.Config()
            .Set("RateLimits", new JsonObject { ["per-user"] = new JsonObject { ["Limit"] = 2, ["Window"] = "01:00:00", ["Key"] = new JsonArray("sub") } });
        config.Routes["grpc"] = new JsonObject
        {
            ["ClusterId"] = "grpc",
            ["Match"] = new JsonObject { ["Path"] = "/test.Echo/{**method}" },
            ["RateLimiterPolicy"] = "per-user",
        };
        var root = config.Build();
        root["ReverseProxy"]!["Clusters"]!["grpc"] = new JsonObject
        {
            ["HttpRequest"] = new JsonObject { ["Version"] = "2", ["VersionPolicy"] = "RequestVersionExact" },
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

    [Fact]
    public async Task OverTheLimit_IsResourceExhausted_WithRetryAfterAndRateLimitFields_AndNeverReachesTheServer()
    {
        using var channel = GrpcChannel.ForAddress(GatewayListeners.Cleartext(_gateway), new GrpcChannelOptions { HttpHandler = _listeners.Handler() });
        var invoker = channel.CreateCallInvoker();
        var metadata = new Metadata { { "authorization", "Bearer " + _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "grpc-user" }) } };

        Assert.Equal("1 from grpc-user", await invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(metadata), "1"));
        Assert.Equal("2 from grpc-user", await invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(metadata), "2"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(metadata), "3").ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("The rate limit of this route is used up", refused.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.Trailers.GetValue("retry-after"));
        Assert.Equal("\"per-user\";q=2;w=3600", refused.Trailers.GetValue("ratelimit-policy"));
        Assert.StartsWith("\"per-user\";r=0;t=", refused.Trailers.GetValue("ratelimit"), StringComparison.Ordinal);
        Assert.Equal(["1", "2"], _downstream.Calls.Select(c => c.Message));
    }
}
