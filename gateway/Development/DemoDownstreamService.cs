using System.Text.Json;
using Gateway.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Development;

/// <summary>
/// A tiny downstream for the quickstart (Development only): answers every request with the method,
/// path and headers it received, so a newcomer sees the claim headers the gateway forwarded.
/// </summary>
internal sealed partial class DemoDownstreamService : IHostedService, IAsyncDisposable
{
    private readonly string _url;
    private readonly ILogger<DemoDownstreamService> _logger;
    private WebApplication? _app;

    public DemoDownstreamService(string url, ILogger<DemoDownstreamService> logger)
    {
        _url = url;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_url);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(EchoAsync);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        Log.Started(_logger, _url);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(h => h.Key, h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "(redacted)" : h.Value.ToString());
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            downstream = "demo",
            method = request.Method,
            path = request.Path.Value,
            query = request.QueryString.Value,
            headers,
        }, EchoJson, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions EchoJson = new() { WriteIndented = true };

    private static partial class Log
    {
        [LoggerMessage(EventIds.DemoDownstreamStarted, LogLevel.Information, "Demo downstream listening on {Url} (Development only).")]
        public static partial void Started(ILogger logger, string url);
    }
}
