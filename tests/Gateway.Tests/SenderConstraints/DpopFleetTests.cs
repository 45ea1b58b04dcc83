using System.Net;
using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.SenderConstraints;
using Gateway.Tests.Infrastructure;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.SenderConstraints;

/// <summary>
/// The DPoP replay check shared by a fleet through a real redis-server (a proof used at one replica is a replay at
/// every other), its fallback to memory while Redis is down, and the telemetry of both.
/// </summary>
public sealed class DpopFleetTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly DpopKey _key = new();

    public DpopFleetTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
        _fixture.Downstream.Clear();
    }

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task ProofUsedAtOneReplica_IsAReplayAtAnother_ThroughRedis()
    {
        var config = _fixture.Config().WithRedis(_fixture.Redis, "dpop-" + Guid.NewGuid().ToString("N")[..8] + ":");
        var telemetry = new TelemetryCapture();
        await using var first = await GatewayInstance.StartAsync(config.Build(), telemetry.Configure);
        await using var second = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        // Both replicas are addressed as the same origin, as behind a load balancer.
        var htu = new Uri(first.Client.BaseAddress!, "/api/x").ToString();
        var proof = _key.Proof("GET", htu, token);

        using var accepted = await DpopTests.SendAsync(first, token, proof, configure: r => r.Headers.Host = first.Client.BaseAddress!.Authority);
        using var replayed = await DpopTests.SendAsync(second, token, proof, configure: r => r.Headers.Host = first.Client.BaseAddress!.Authority);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains(RefusalTable.Describe(BindingStatus.DpopProofReplayed), replayed.Challenge(), StringComparison.Ordinal);
        Assert.Equal("redis", second.Services.GetService(typeof(IDpopReplayCache)) is IDpopReplayCache cache ? cache.Store : null);

        using var replayedHere = await DpopTests.SendAsync(first, token, proof);
        Assert.Equal(HttpStatusCode.Unauthorized, replayedHere.StatusCode);
        var span = await telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => s.GetTagItem(Tags.Reason) as string == "dpop_proof_replayed");
        Assert.Equal("dpop", span.GetTagItem(Tags.Binding));
        // Each host has its own meter: this listener sees the first replica's checks only (its replay; the second
        // replica's replay is its own).
        var metrics = telemetry.CollectMetrics(first.Services);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.BindingChecks, (Tags.Binding, "dpop"), (Tags.Reason, "dpop_proof_replayed"))).GetSumLong());
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.BindingChecks, (Tags.Binding, "dpop"), (Tags.Reason, "none"))).GetSumLong());
    }

    [Fact]
    public async Task WhileRedisIsDown_TheReplicaStillRefusesReplays_FromItsMemory()
    {
        using var redis = new RedisServer();
        var config = _fixture.Config().WithRedis(redis, "dpop-down:");
        await using var gateway = await config.StartAsync();
        var token = _fixture.Idp.MintBound(jkt: _key.Thumbprint);
        var htu = new Uri(gateway.Client.BaseAddress!, "/api/x").ToString();
        using (var warm = await DpopTests.SendAsync(gateway, token, _key.Proof("GET", htu, token)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        redis.Stop();
        var proof = _key.Proof("GET", htu, token);
        using var accepted = await DpopTests.SendAsync(gateway, token, proof);
        using var replayed = await DpopTests.SendAsync(gateway, token, proof);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains(RefusalTable.Describe(BindingStatus.DpopProofReplayed), replayed.Challenge(), StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => gateway.Logs.Count(EventIds.DpopReplayStoreDegraded) > 0, TimeSpan.FromSeconds(10), "the fallback to memory was logged");
    }
}
