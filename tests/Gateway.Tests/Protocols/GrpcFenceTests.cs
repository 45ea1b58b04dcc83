using System.Net;
using Gateway.Enforcement;
using Gateway.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Tests.Protocols;

/// <summary>
/// A refusal written inside YARP's forwarder (the <see cref="DestinationFence"/> request transform) must stop the
/// request there. YARP forwards unless the transform "set a response", which it reads as a status other than 200 or a
/// response that has started: a gRPC refusal is status 200, so it must have started (completed) the response. Here a
/// real YARP forwarder (<see cref="IHttpForwarder"/>) on Kestrel runs the fence in front of a real gRPC server.
/// </summary>
public sealed class GrpcFenceTests : IAsyncLifetime
{
    private GrpcDownstream _downstream = null!;
    private WebApplication _proxy = null!;

    public async Task InitializeAsync()
    {
        _downstream = await GrpcDownstream.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        _proxy = builder.Build();
        var client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        var config = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var forwarder = _proxy.Services.GetRequiredService<IHttpForwarder>();
        var transformer = new FenceTransformer();
        _proxy.Run(async context => await forwarder.SendAsync(context, _downstream.BaseAddress + "/", client, config, transformer));
        await _proxy.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _downstream.DisposeAsync();
    }

    [Fact]
    public async Task AGrpcCall_RefusedByTheFence_IsUnavailable_AndNeverReachesTheServer()
    {
        using var channel = GrpcChannel.ForAddress(_proxy.Urls.First());

        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(GrpcDownstream.Say, null, new CallOptions(), "hi").ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal("1", refused.Trailers.GetValue("retry-after"));
        Assert.Empty(_downstream.Calls);
    }

    // The gateway's own transforms, reduced to the fence; no RoutePlan on the request, so the fence refuses it.
    private sealed class FenceTransformer : HttpTransformer
    {
        private readonly DestinationFence _fence = new(NullLogger.Instance);

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            await _fence.CheckAsync(new RequestTransformContext
            {
                HttpContext = httpContext,
                ProxyRequest = proxyRequest,
                DestinationPrefix = destinationPrefix,
                Path = httpContext.Request.Path,
                Query = new QueryTransformContext(httpContext.Request),
                CancellationToken = cancellationToken,
            });
        }
    }
}
