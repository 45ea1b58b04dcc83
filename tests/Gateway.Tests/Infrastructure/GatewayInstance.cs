using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (the same <see cref="GatewayApplication"/> the program runs) listening on a
/// loopback port, configured from a JSON file in a temporary directory that tests can rewrite.
/// </summary>
public sealed class GatewayInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayInstance(WebApplication app, string configFile, CapturingLoggerProvider logs)
    {
        _app = app;
        ConfigFile = configFile;
        Logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Client { get; }

    public string ConfigFile { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Every address the gateway listens on (the public one first, then a management listener if configured).</summary>
    public IReadOnlyList<Uri> Urls => _app.Urls.Select(u => new Uri(u)).ToList();

    internal GatewaySnapshotManager Snapshots => _app.Services.GetRequiredService<GatewaySnapshotManager>();

    public static Task<GatewayInstance> StartAsync(JsonObject config, string environment = "Production", params string[] extraArgs) =>
        StartAsync(config, null, environment, extraArgs);

    /// <summary>As above, with <paramref name="configure"/> applied to the builder after the gateway's own services (e.g. in-memory telemetry exporters).</summary>
    /// <remarks>
    /// Built and started on the thread pool, as its own process would run: none of the gateway's background work (key
    /// refresh, Redis subscriptions, reload) may capture the test framework's synchronization context, whose few threads
    /// the tests themselves block.
    /// </remarks>
    public static Task<GatewayInstance> StartAsync(JsonObject config, Action<WebApplicationBuilder>? configure, string environment = "Production", params string[] extraArgs) =>
        Task.Run(() => StartOnThreadPoolAsync(config, configure, environment, extraArgs));

    private static async Task<GatewayInstance> StartOnThreadPoolAsync(JsonObject config, Action<WebApplicationBuilder>? configure, string environment, string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        var file = Path.Combine(directory, "gateway.json");
        await File.WriteAllTextAsync(file, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var logs = new CapturingLoggerProvider();
        WebApplication? app = null;
        try
        {
            app = GatewayApplication.Build(
                ["--config", file, "--environment", environment, "--urls", "http://127.0.0.1:0", .. extraArgs],
                builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Logging.SetMinimumLevel(LogLevel.Debug);
                    builder.Logging.AddProvider(logs);
                    configure?.Invoke(builder);
                });
            await app.StartAsync();
            return new GatewayInstance(app, file, logs);
        }
        catch
        {
            // An invalid configuration (the tests expect that) must not leave the temporary directory behind.
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Whether the named issuer's keys in memory hold <paramref name="kid"/> (without sending a request).</summary>
    public bool HoldsKey(string issuer, string kid) =>
        Snapshots.Current.Issuers.ByName[issuer].Keys.Current?.ById.ContainsKey(kid) == true;

    /// <summary>Waits until every issuer's keys are loaded (the readiness endpoint answers 200).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Client.GetAsync("/healthz/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("the gateway did not become ready. Logs:\n" + Logs.AllText());
    }

    /// <summary>Rewrites the configuration file and waits until the gateway applied it (or rejected it).</summary>
    public Task<bool> RewriteConfigAsync(JsonObject config) => RewriteConfigTextAsync(config.ToJsonString());

    /// <summary>Writes <paramref name="text"/> (which need not be JSON) as the configuration file and waits until the gateway applied or rejected it.</summary>
    public async Task<bool> RewriteConfigTextAsync(string text)
    {
        var generation = Snapshots.Generation;
        var rejectedBefore = Logs.Count(global::Gateway.Observability.EventIds.ConfigurationReloadFailed);
        await File.WriteAllTextAsync(ConfigFile, text);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (Snapshots.Generation != generation)
            {
                return true;
            }

            if (Logs.Count(global::Gateway.Observability.EventIds.ConfigurationReloadFailed) > rejectedBefore)
            {
                return false;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the gateway neither applied nor rejected the new configuration within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Path.GetDirectoryName(ConfigFile)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
