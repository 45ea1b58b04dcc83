using System.Collections.Concurrent;
using System.Text;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Gateway.Tests.Observability;

/// <summary>
/// OTLP export is switched on by the standard variables alone: a fake OTLP/HTTP collector on loopback
/// receives traces, metrics and logs; without the variables nothing is sent.
/// </summary>
public sealed class OtlpExportTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public OtlpExportTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task ExportsTracesMetricsAndLogs_WhenOtelEndpointIsSet_WithoutTokenText()
    {
        await using var collector = await FakeCollector.StartAsync();
        string[] otel =
        [
            "--OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.BaseAddress,
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=100",
            "--OTEL_BLRP_SCHEDULE_DELAY=100",
            "--OTEL_METRIC_EXPORT_INTERVAL=200",
        ];
        // The test host clears the logging providers (to capture logs): put the OpenTelemetry one back, as the program has it.
        await using var gateway = await GatewayInstance.StartAsync(_fixture.Config().Build(), b => b.Logging.AddOpenTelemetry(), "Production", otel);
        await gateway.WaitUntilReadyAsync();
        var token = _fixture.Idp.Mint();
        await gateway.Client.GetWithTokenAsync("/api/x", token);
        await gateway.Client.GetWithTokenAsync("/api/x", token[..^4] + "AAAA");

        await collector.WaitForAsync("/v1/traces", "jwtgw.token.validate");
        await collector.WaitForAsync("/v1/metrics", "jwtgw.requests");
        await collector.WaitForAsync("/v1/logs", "token rejected");

        var everything = collector.AllBodies();
        Assert.Contains("jwtgw.token.validate", everything);
        Assert.Contains("jwtgw.requests", everything);
        Assert.Contains("jwt-gateway", everything); // service.name
        foreach (var part in token.Split('.'))
        {
            Assert.DoesNotContain(part, everything);
        }
    }

    [Fact]
    public async Task ExportsNothing_ByDefault()
    {
        await using var gateway = await _fixture.Config().StartAsync();
        Assert.Null(gateway.Services.GetService(typeof(OpenTelemetry.Metrics.MeterProvider)));
        Assert.Null(gateway.Services.GetService(typeof(OpenTelemetry.Trace.TracerProvider)));
    }

    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();

        private FakeCollector(WebApplication app)
        {
            _app = app;
        }

        public string BaseAddress => _app.Urls.First();

        public static async Task<FakeCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var collector = new FakeCollector(app);
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                collector._received.Enqueue((context.Request.Path.Value ?? "", body.ToArray()));
                context.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            return collector;
        }

        public async Task WaitForAsync(string path, string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                if (_received.Any(r => r.Path == path && Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"nothing with '{text}' posted to {path}; got: {string.Join(", ", _received.Select(r => r.Path).Distinct())}");
        }

        // Protobuf keeps strings as UTF-8 bytes: names and attribute values are readable in the raw bodies.
        public string AllBodies() => string.Join("\n", _received.Select(r => Encoding.UTF8.GetString(r.Body)));

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
