using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>A real downstream HTTP server that records every request it receives (headers as received, body, path).</summary>
public sealed class RecordingDownstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private RecordingDownstream(WebApplication app)
    {
        _app = app;
    }

    public string BaseAddress { get; private set; } = "";

    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>Starts the server on the thread pool, as its own process would run: none of its work runs on the test framework's synchronization context.</summary>
    public static Task<RecordingDownstream> StartAsync() => Task.Run(StartOnThreadPoolAsync);

    private static async Task<RecordingDownstream> StartOnThreadPoolAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var downstream = new RecordingDownstream(app);
        app.Run(downstream.HandleAsync);
        await app.StartAsync();
        downstream.BaseAddress = app.Urls.First().TrimEnd('/');
        return downstream;
    }

    public void Clear() => _received.Clear();

    /// <summary>The single request received since the last <see cref="Clear"/>.</summary>
    public ReceivedRequest Single()
    {
        Assert.Single(_received);
        return _received.First();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "";
        _received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, body, rawTarget));
        await context.Response.WriteAsync("downstream ok");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="RawTarget">The request target exactly as it arrived on the wire (path and query, still percent-encoded).</param>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string?[]> Headers, string Body, string RawTarget = "")
{
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;

    public bool HasHeader(string name) => Headers.ContainsKey(name);
}
