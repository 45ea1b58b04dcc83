using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.Tests.Configuration;

/// <summary>
/// The gateway reading its configuration from a Kubernetes ConfigMap volume (<c>GATEWAY_CONFIG</c> = the
/// mounted directory) while kubelet updates it by its atomic symbolic-link swap: the update is applied
/// without a restart, and an invalid update is rejected with the last good configuration still serving.
/// </summary>
public sealed class ConfigMapSwapTests : IClassFixture<IntegrationFixture>
{
    // Polled every 4 s (the file provider's polling interval), plus the 300 ms debounce; generous for a loaded CI machine.
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(20);
    private readonly IntegrationFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ConfigMapSwapTests(IntegrationFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    private TestConfig Initial() => _fixture.Config();

    /// <summary>Initial plus a route /reports on the default policy.</summary>
    private TestConfig WithReports() => Initial().Route("reports", null);

    private static Dictionary<string, string> Files(TestConfig config) => new() { ["gateway.json"] = config.Build().ToJsonString() };

    [Fact]
    public async Task SymlinkSwap_IsApplied_WithoutRestart()
    {
        using var volume = ConfigMapVolume.Create(Files(Initial()));
        await using var gateway = await RunningGateway.StartAsync(volume.Path);
        var token = _fixture.Idp.Mint();
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetWithTokenAsync("/reports/q1", token)).StatusCode);

        var elapsed = await gateway.ApplyAsync(() => volume.Update(Files(WithReports())), expectApplied: true);
        _output.WriteLine($"ConfigMap swap applied after {elapsed.TotalSeconds:0.0} s");

        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/reports/q1", token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode);
    }

    [Fact]
    public async Task SymlinkSwap_ToAnInvalidConfiguration_KeepsTheLastGood_ThenAValidSwapApplies()
    {
        using var volume = ConfigMapVolume.Create(Files(WithReports()));
        await using var gateway = await RunningGateway.StartAsync(volume.Path);
        var token = _fixture.Idp.Mint();
        var invalid = Initial().Route("reports", "no-such-policy");

        await gateway.ApplyAsync(() => volume.Update(Files(invalid)), expectApplied: false);

        var rejected = Assert.Single(gateway.Logs.Lines, l => l.EventId == EventIds.ConfigurationReloadFailed);
        Assert.Contains("ReverseProxy:Routes:reports:Metadata:Policy", rejected.Message);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/reports/q1", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.GetWithTokenAsync("/reports/q1", null)).StatusCode);

        // Not JSON at all: also rejected, the last good configuration still serves.
        await gateway.ApplyAsync(() => volume.Update(new Dictionary<string, string> { ["gateway.json"] = "{ \"Gateway\": " }), expectApplied: false);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/reports/q1", token)).StatusCode);

        await gateway.ApplyAsync(() => volume.Update(Files(Initial())), expectApplied: true);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetWithTokenAsync("/reports/q1", token)).StatusCode);
    }

    /// <summary>The real gateway with <c>--config</c> = the volume directory, as the image's <c>GATEWAY_CONFIG=/app/config</c>.</summary>
    private sealed class RunningGateway : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RunningGateway(WebApplication app, CapturingLoggerProvider logs)
        {
            _app = app;
            Logs = logs;
            Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        }

        public HttpClient Client { get; }

        public CapturingLoggerProvider Logs { get; }

        private GatewaySnapshotManager Snapshots => _app.Services.GetRequiredService<GatewaySnapshotManager>();

        public static async Task<RunningGateway> StartAsync(string configDirectory)
        {
            var logs = new CapturingLoggerProvider();
            var app = GatewayApplication.Build(
                ["--config", configDirectory, "--environment", "Production", "--urls", "http://127.0.0.1:0"],
                builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Logging.AddProvider(logs);
                });
            await app.StartAsync();
            return new RunningGateway(app, logs);
        }

        /// <summary>Runs <paramref name="update"/>, then waits until the gateway applied or rejected it; returns how long that took.</summary>
        public async Task<TimeSpan> ApplyAsync(Action update, bool expectApplied)
        {
            var generation = Snapshots.Generation;
            var rejected = Logs.Count(EventIds.ConfigurationReloadFailed);
            var clock = Stopwatch.StartNew();
            update();
            while (clock.Elapsed < ReloadTimeout)
            {
                var applied = Snapshots.Generation != generation;
                if (applied || Logs.Count(EventIds.ConfigurationReloadFailed) > rejected)
                {
                    Assert.True(applied == expectApplied, $"expected the update to be {(expectApplied ? "applied" : "rejected")}:\n{Logs.AllText()}");
                    return clock.Elapsed;
                }

                await Task.Delay(50);
            }

            Assert.Fail($"the gateway neither applied nor rejected the ConfigMap update within {ReloadTimeout.TotalSeconds} s (symbolic-link swap not seen)");
            return clock.Elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
