using System.Diagnostics.Metrics;
using Gateway.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Gateway.UnitTests.Observability;

/// <summary>
/// The request-path instruments are per host: each host's <see cref="IMeterFactory"/> makes its own <c>JwtGateway</c>
/// meter (same name and version as documented), a listener can tell the hosts apart, and the OpenTelemetry view of a
/// host drops the other hosts' instruments while keeping its own and the meters that belong to no host.
/// </summary>
public sealed class GatewayMetricsTests
{
    [Fact]
    public void TwoHosts_HaveTheirOwnMeter_WithTheDocumentedNameAndVersion()
    {
        using var first = Host();
        using var second = Host();
        var a = first.GetRequiredService<GatewayMetrics>();
        var b = second.GetRequiredService<GatewayMetrics>();

        Assert.NotSame(a.Meter, b.Meter);
        Assert.Equal(GatewayDiagnostics.MeterName, a.Meter.Name);
        Assert.Equal(typeof(GatewayMetrics).Assembly.GetName().Version?.ToString(3), a.Meter.Version);
        Assert.Same(first.GetRequiredService<IMeterFactory>(), a.Meter.Scope);
        Assert.Same(a, first.GetRequiredService<GatewayMetrics>()); // one per host, not per use
    }

    [Fact]
    public void AListenerOfOneHost_CountsThatHostsRequestsOnly()
    {
        using var first = Host();
        using var second = Host();
        var mine = first.GetRequiredService<IMeterFactory>();
        long counted = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == mine && instrument.Name == GatewayDiagnostics.Metrics.Requests)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        first.GetRequiredService<GatewayMetrics>().Requests.Add(1);
        second.GetRequiredService<GatewayMetrics>().Requests.Add(5);

        Assert.Equal(1, Interlocked.Read(ref counted));
    }

    [Fact]
    public void TheHostsView_DropsOtherHostsInstruments_KeepsItsOwnAndThoseOfNoHost()
    {
        using var first = Host();
        using var second = Host();
        var view = GatewayTelemetryExtensions.OnlyThisHost(first.GetRequiredService<IMeterFactory>());
        using var unscoped = new Meter("System.Runtime.Test");

        Assert.Null(view(first.GetRequiredService<GatewayMetrics>().Requests));
        Assert.Same(MetricStreamConfiguration.Drop, view(second.GetRequiredService<GatewayMetrics>().Requests));
        Assert.Null(view(unscoped.CreateCounter<long>("unscoped")));
    }

    private static ServiceProvider Host()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<IMeterFactory>()));
        return services.BuildServiceProvider();
    }
}
