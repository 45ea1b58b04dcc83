using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real WebSocket server (Kestrel with <c>UseWebSockets</c>, HTTP/1.1): it records every request
/// that reaches it (an upgrade or not), greets an accepted socket with the <c>X-User-Id</c> it received on the upgrade
/// request, then echoes each message back prefixed with <c>echo: </c> until the client closes.
/// </summary>
public sealed class WebSocketDownstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketDownstream(WebApplication app)
    {
        _app = app;
    }

    public string BaseAddress { get; private set; } = "";

    /// <summary>Every request that arrived: its headers and whether it was a WebSocket request.</summary>
    public ConcurrentQueue<(bool IsWebSocket, string Protocol, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    /// <summary>Starts the server on the thread pool, as its own process would run: none of its work runs on the test framework's synchronization context.</summary>
    public static Task<WebSocketDownstream> StartAsync() => Task.Run(StartOnThreadPoolAsync);

    private static async Task<WebSocketDownstream> StartOnThreadPoolAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var downstream = new WebSocketDownstream(app);
        app.UseWebSockets();
        app.Run(downstream.HandleAsync);
        await app.StartAsync();
        downstream.BaseAddress = app.Urls.First().TrimEnd('/');
        return downstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Received.Enqueue((context.WebSockets.IsWebSocketRequest, context.Request.Protocol, headers));
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var user = headers.TryGetValue("X-User-Id", out var id) ? id : "-";
        await socket.SendAsync(Encoding.UTF8.GetBytes($"hello {user}"), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
            await socket.SendAsync(Encoding.UTF8.GetBytes("echo: " + text), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
