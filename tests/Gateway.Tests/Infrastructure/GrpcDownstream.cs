using System.Collections.Concurrent;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real gRPC server (Grpc.AspNetCore on Kestrel, cleartext HTTP/2 only: h2c with prior knowledge, as gRPC services
/// inside a cluster usually listen) with one unary method, <c>test.Echo/Say</c>. Messages are UTF-8 strings (a string
/// marshaller stands in for protobuf, which changes nothing on the wire the gateway sees). Every call is recorded with
/// the metadata it arrived with.
/// </summary>
public sealed class GrpcDownstream : IAsyncDisposable
{
    /// <summary>The method, as client and server both describe it.</summary>
    public static readonly Method<string, string> Say = new(
        MethodType.Unary,
        "test.Echo",
        "Say",
        Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b)),
        Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b)));

    /// <summary>Server streaming: answers a number N with the messages "1" to "N", then OK (in real trailers).</summary>
    public static readonly Method<string, string> Count = new(MethodType.ServerStreaming, "test.Echo", "Count", Say.RequestMarshaller, Say.ResponseMarshaller);

    /// <summary>Always fails with NOT_FOUND and the request as its message: the server's own status must reach the client.</summary>
    public static readonly Method<string, string> Fail = new(MethodType.Unary, "test.Echo", "Fail", Say.RequestMarshaller, Say.ResponseMarshaller);

    private readonly WebApplication _app;

    private GrpcDownstream(WebApplication app, ConcurrentQueue<ReceivedCall> calls)
    {
        _app = app;
        Calls = calls;
    }

    public string BaseAddress { get; private set; } = "";

    public ConcurrentQueue<ReceivedCall> Calls { get; }

    /// <summary>Starts the server on the thread pool, as its own process would run: none of its work runs on the test framework's synchronization context.</summary>
    public static Task<GrpcDownstream> StartAsync() => Task.Run(StartOnThreadPoolAsync);

    private static async Task<GrpcDownstream> StartOnThreadPoolAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        var calls = new ConcurrentQueue<ReceivedCall>();
        builder.Services.AddSingleton(calls);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        var downstream = new GrpcDownstream(app, calls);
        downstream.BaseAddress = app.Urls.First().TrimEnd('/');
        return downstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>What the downstream saw of one call: the metadata (request headers) and the HTTP version it arrived over.</summary>
    public sealed record ReceivedCall(string Message, string Protocol, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>
    /// The service base, shaped as protoc's generated code: Grpc.AspNetCore calls <see cref="BindService"/> to learn the
    /// methods and invokes the override of the virtual method of the same name declared here.
    /// </summary>
    [BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
    public abstract class EchoServiceBase
    {
        public static void BindService(ServiceBinderBase binder, EchoServiceBase? service)
        {
            binder.AddMethod(GrpcDownstream.Say, service is null ? null : service.Say);
            binder.AddMethod(GrpcDownstream.Count, service is null ? null : service.Count);
            binder.AddMethod(GrpcDownstream.Fail, service is null ? null : service.Fail);
        }

        public virtual Task<string> Say(string request, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));

        public virtual Task Count(string request, IServerStreamWriter<string> responseStream, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));

        public virtual Task<string> Fail(string request, ServerCallContext context) => throw new RpcException(new Status(StatusCode.Unimplemented, ""));
    }

    /// <summary>Records the call and answers "MESSAGE from X-USER-ID".</summary>
    public sealed class EchoService(ConcurrentQueue<ReceivedCall> calls) : EchoServiceBase
    {
        public override Task<string> Say(string request, ServerCallContext context)
        {
            var http = context.GetHttpContext();
            var metadata = context.RequestHeaders.Where(e => !e.IsBinary).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => string.Join(",", g.Select(e => e.Value)), StringComparer.OrdinalIgnoreCase);
            calls.Enqueue(new ReceivedCall(request, http.Request.Protocol, metadata));
            var user = metadata.TryGetValue("x-user-id", out var id) ? id : "-";
            return Task.FromResult($"{request} from {user}");
        }

        public override async Task Count(string request, IServerStreamWriter<string> responseStream, ServerCallContext context)
        {
            calls.Enqueue(new ReceivedCall(request, context.GetHttpContext().Request.Protocol, new Dictionary<string, string>()));
            for (var i = 1; i <= int.Parse(request, System.Globalization.CultureInfo.InvariantCulture); i++)
            {
                await responseStream.WriteAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public override Task<string> Fail(string request, ServerCallContext context)
        {
            calls.Enqueue(new ReceivedCall(request, context.GetHttpContext().Request.Protocol, new Dictionary<string, string>()));
            throw new RpcException(new Status(StatusCode.NotFound, request));
        }
    }
}
