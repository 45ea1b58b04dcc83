using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.Tests.Configuration;

/// <summary>
/// A request is judged and forwarded under one configuration. Route <c>/r/**</c> alternates, by hot reload of the
/// configuration file, between an admin-only policy in front of the "admin" downstream and an anonymous policy in
/// front of the "public" downstream, while many clients send requests <b>without a token</b>. Whatever the
/// interleaving of the reload with the requests, the admin downstream never receives one of them: each request
/// is refused (401 under the admin configuration, 503 when its route and policy came from different
/// configurations) or forwarded to the public downstream.
/// </summary>
public sealed class ReloadConsistencyTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private const int Clients = 24;
    private const int Flips = 12;
    private readonly IntegrationFixture _fixture;
    private readonly ITestOutputHelper _output;
    private RecordingDownstream _admin = null!;
    private RecordingDownstream _public = null!;

    public ReloadConsistencyTests(IntegrationFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    public async Task InitializeAsync()
    {
        _admin = await RecordingDownstream.StartAsync();
        _public = await RecordingDownstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _public.DisposeAsync();
    }

    /// <summary>How a reload moves route <c>r</c> from the admin downstream to the public one.</summary>
    public enum Repoint
    {
        /// <summary>The route's <c>ClusterId</c> changes (admin cluster → public cluster), with its policy.</summary>
        RouteToAnotherCluster,

        /// <summary>The route keeps its cluster; the cluster's destination address changes, with the route's policy.</summary>
        ClusterToAnotherAddress,
    }

    private TestConfig Config(bool adminOnly, Repoint repoint)
    {
        var config = _fixture.Config()
            .Policy("admin-only", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Policy("anon", new JsonObject { ["Anonymous"] = true });
        var clusters = config.Root["ReverseProxy"]!["Clusters"]!.AsObject();
        clusters["admin-cluster"] = Cluster(_admin.BaseAddress);
        clusters["public-cluster"] = Cluster(_public.BaseAddress);
        clusters["moving"] = Cluster(adminOnly ? _admin.BaseAddress : _public.BaseAddress);
        config.Routes["r"] = new JsonObject
        {
            ["ClusterId"] = repoint == Repoint.ClusterToAnotherAddress ? "moving" : adminOnly ? "admin-cluster" : "public-cluster",
            ["Match"] = new JsonObject { ["Path"] = "/r/{**rest}" },
            ["Metadata"] = new JsonObject { ["Policy"] = adminOnly ? "admin-only" : "anon" },
        };
        return config;
    }

    private static JsonObject Cluster(string address) => new()
    {
        ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = address } },
    };

    [Theory]
    [InlineData(Repoint.RouteToAnotherCluster)]
    [InlineData(Repoint.ClusterToAnotherAddress)]
    public async Task HotReload_UnderConcurrentLoad_NeverForwardsAnAnonymousRequest_ToTheAdminOnlyDownstream(Repoint repoint)
    {
        // Warnings and errors only: thousands of refusals logged at Information would only slow the load down.
        await using var gateway = await GatewayInstance.StartAsync(Config(adminOnly: true, repoint).Build(), b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await gateway.WaitUntilReadyAsync();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = gateway.Client.BaseAddress };
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var badRefusals = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var answered = 0;

        var load = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                using var response = await client.GetAsync($"/r/c{i}/{n}");
                statuses.AddOrUpdate(response.StatusCode, 1, (_, count) => count + 1);
                Interlocked.Increment(ref answered);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable
                    && (response.Headers.RetryAfter?.Delta != TimeSpan.FromSeconds(1) || response.Content.Headers.ContentType?.MediaType != "application/problem+json"))
                {
                    badRefusals.Enqueue($"{response.Headers.RetryAfter} {response.Content.Headers.ContentType}");
                }
            }
        })).ToArray();

        try
        {
            for (var flip = 1; flip <= Flips; flip++)
            {
                var adminOnly = flip % 2 == 0;
                if (!await gateway.RewriteConfigAsync(Config(adminOnly, repoint).Build()))
                {
                    Assert.Fail(gateway.Logs.AllText());
                }

                // Let the load run under the new configuration before the next flip (instead of a fixed 150 ms): each client
                // has at most one request in flight, so of 2 x Clients more answers at least Clients were sent after the flip.
                var answeredAtFlip = Volatile.Read(ref answered);
                await Eventually.HoldsAsync(() => Volatile.Read(ref answered) >= answeredAtFlip + (2 * Clients), TimeSpan.FromSeconds(10), $"the clients got no answers after flip {flip}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}: {s.Value}"));
        _output.WriteLine(summary);
        Assert.True(_admin.Received.Count == 0, $"{_admin.Received.Count} request(s) without a token reached the admin-only downstream ({summary})");

        // Both configurations really served requests, and nothing else happened to them.
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.Unauthorized) > 0, summary);
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) > 0, summary);
        Assert.All(statuses.Keys, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
        Assert.Equal(statuses.GetValueOrDefault(HttpStatusCode.OK), _public.Received.Count);
        Assert.All(_public.Received, r => Assert.Null(r.Header("Authorization")));

        // A request caught half-way through a reload is refused like any 503 of the gateway: problem+json, retry at once.
        Assert.Empty(badRefusals);
    }
}
