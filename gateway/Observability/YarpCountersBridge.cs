using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;

namespace Gateway.Observability;

/// <summary>
/// YARP 2.3 publishes its proxy counters only as EventCounters (<c>dotnet-counters</c>), not as a Meter.
/// This in-process listener reads them (every 5 s, counters only: the per-request events stay disabled,
/// so the hot path pays nothing) and republishes them on the meter <see cref="MeterName"/>:
/// <c>yarp.proxy.requests_started</c>, <c>yarp.proxy.requests_failed</c> (totals since start) and
/// <c>yarp.proxy.current_requests</c>. Created only when metrics are exported.
/// </summary>
internal sealed class YarpCountersBridge : EventListener
{
    public const string MeterName = "Yarp.ReverseProxy";
    private const string EventSourceName = "Yarp.ReverseProxy";
    private readonly ConcurrentDictionary<string, double> _latest = new(StringComparer.Ordinal);
    private readonly Meter _meter = new(MeterName);

    public YarpCountersBridge()
    {
        _meter.CreateObservableCounter("yarp.proxy.requests_started", () => (long)Read("requests-started"), "{request}", "Requests forwarded by YARP since start");
        _meter.CreateObservableCounter("yarp.proxy.requests_failed", () => (long)Read("requests-failed"), "{request}", "Forwarded requests that failed (YARP's ForwarderError) since start");
        _meter.CreateObservableGauge("yarp.proxy.current_requests", () => (long)Read("current-requests"), "{request}", "Requests YARP is forwarding right now");
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == EventSourceName)
        {
            // Level Critical: none of YARP's per-request events are raised; EventCounters are written regardless.
            EnableEvents(eventSource, EventLevel.Critical, EventKeywords.None, new Dictionary<string, string?> { ["EventCounterIntervalSec"] = "5" });
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "EventCounters" || eventData.Payload is not [IDictionary<string, object?> payload])
        {
            return;
        }

        if (payload.TryGetValue("Name", out var name) && name is string counter)
        {
            // Polling counters report "Mean"; incrementing counters report "Increment" per interval.
            if (payload.TryGetValue("Mean", out var mean) && mean is double value)
            {
                _latest[counter] = value;
            }
            else if (payload.TryGetValue("Increment", out var increment) && increment is double delta)
            {
                _latest.AddOrUpdate(counter + ":total", delta, (_, total) => total + delta);
            }
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private double Read(string counter) => _latest.TryGetValue(counter, out var value) ? value : 0;
}
