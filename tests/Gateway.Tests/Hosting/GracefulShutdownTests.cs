using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// A real SIGTERM to the built gateway running as its own process, while a slow request is in flight:
/// the request completes, new connections are refused, the process exits 0 within the drain time.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GracefulShutdownTests
{
    private readonly IntegrationFixture _fixture;

    public GracefulShutdownTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Sigterm_FinishesInFlightRequest_RefusesNewConnections_ExitsZero()
    {
        await using var downstream = await SlowDownstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(Config(downstream, drainTimeout: "00:00:10"));

        var inFlight = gateway.Client.GetAsync("/slow/work");
        await downstream.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var signalled = Stopwatch.StartNew();
        gateway.Terminate();

        // The listener closes at once: new connections are refused while the request is still running.
        await WaitUntilRefusedAsync(gateway.Port, TimeSpan.FromSeconds(2));
        Assert.False(inFlight.IsCompleted);

        // The downstream answers only now: the request was held across the SIGTERM and is still completed.
        downstream.Answer();
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow done", await response.Content.ReadAsStringAsync());

        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(10), $"exited after {signalled.Elapsed}");
        Assert.Contains("Shutting down", gateway.Output);
    }

    [Fact]
    public async Task Sigterm_WithShutdownDelay_ReportsNotReady_WhileStillServing_ThenExitsZero()
    {
        await using var downstream = await SlowDownstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(Config(downstream, drainTimeout: "00:00:10", shutdownDelay: "00:00:02"));

        var inFlight = gateway.Client.GetAsync("/slow/work");
        await downstream.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gateway.Terminate();

        // During the delay: not ready, but a new connection is still served (each poll opens one of its own).
        var readyBody = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                using var fresh = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
                using var ready = await fresh.GetAsync("/healthz/ready");
                readyBody = await ready.Content.ReadAsStringAsync();
                return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(1.5),
            "the gateway did not report not-ready within 1.5 s of SIGTERM (the shutdown delay is 2 s)");
        Assert.Contains("shutting down", readyBody);

        await WaitUntilRefusedAsync(gateway.Port, TimeSpan.FromSeconds(5));
        Assert.False(inFlight.IsCompleted);
        downstream.Answer();
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Sigterm_AbortsRequestsLongerThanTheDrainTime_AndStillExitsInTime()
    {
        await using var downstream = await SlowDownstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(Config(downstream, drainTimeout: "00:00:02"));

        var inFlight = gateway.Client.GetAsync("/slow/work"); // never answered: longer than the drain time
        await downstream.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var signalled = Stopwatch.StartNew();
        gateway.Terminate();

        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(6), $"exited after {signalled.Elapsed}");
        Assert.Equal(0, exitCode);
        var outcome = await Record.ExceptionAsync(async () => (await inFlight).EnsureSuccessStatusCode());
        Assert.NotNull(outcome); // cut off, not answered 200
    }

    private JsonObject Config(SlowDownstream downstream, string drainTimeout, string? shutdownDelay = null)
    {
        var config = _fixture.Config().Policy("open", new JsonObject { ["Anonymous"] = true });
        var management = new JsonObject { ["DrainTimeout"] = drainTimeout };
        if (shutdownDelay is not null)
        {
            management["ShutdownDelay"] = shutdownDelay;
        }

        config.Set("Management", management);
        config.Routes["slow"] = new JsonObject
        {
            ["ClusterId"] = "slow",
            ["Match"] = new JsonObject { ["Path"] = "/slow/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = "open" },
        };
        config.Root["ReverseProxy"]!["Clusters"]!["slow"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = downstream.BaseAddress } },
            ["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "00:01:00" },
        };
        return config.Build();
    }

    private static async Task WaitUntilRefusedAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            // Refused, or reset during the handshake: a connection the closing listener had queued but never accepted
            // is reset by the kernel. Either way the gateway serves no new connection.
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"port {port} still accepts connections");
    }

    /// <summary>A downstream that holds every request until the test calls <see cref="Answer"/> (at most 30 s).</summary>
    private sealed class SlowDownstream : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private SlowDownstream(WebApplication app)
        {
            _app = app;
        }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Lets the held requests complete with "slow done".</summary>
        public void Answer() => Answered.TrySetResult();

        public string BaseAddress => _app.Urls.First();

        public static async Task<SlowDownstream> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var downstream = new SlowDownstream(app);
            app.Run(async context =>
            {
                downstream.Started.TrySetResult();
                try
                {
                    await downstream.Answered.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
                    await context.Response.WriteAsync("slow done");
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
                {
                }
            });
            await app.StartAsync();
            return downstream;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
