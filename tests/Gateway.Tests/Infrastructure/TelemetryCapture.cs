using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// In-memory OpenTelemetry exporters attached to a gateway under test (on top of the gateway's own
/// wiring of sources and meters). Spans are kept as they end; metrics are collected on demand.
/// Both are this gateway's only, so that classes run in parallel with other in-process gateways: the metrics because
/// each host has its own meter (the gateway's view drops other hosts' instruments); the spans because activity sources
/// are process-wide, so only the traces this host's own ASP.NET Core source started (its requests) are kept.
/// </summary>
public sealed class TelemetryCapture
{
    private readonly LockedCollection<Activity> _spans = new();
    private readonly LockedCollection<MetricSnapshot> _metrics = new();

    public void Configure(WebApplicationBuilder builder) =>
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddProcessor(services => new ThisHostsTraces(services.GetRequiredService<ActivitySource>(), _spans)))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000));

    public IReadOnlyList<Activity> Spans => _spans.ToList();

    /// <summary>Waits for a span (a server span ends just after its response reached the client).</summary>
    public async Task<Activity> WaitForSpanAsync(string operationName, Func<Activity, bool>? match = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var span = _spans.ToList().LastOrDefault(a => a.OperationName == operationName && (match is null || match(a)));
            if (span is not null)
            {
                return span;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no span '{operationName}' matched; spans: {string.Join(", ", _spans.ToList().Select(a => a.OperationName))}");
    }

    /// <summary>Collects every metric now (cumulative since the gateway started).</summary>
    public IReadOnlyList<MetricSnapshot> CollectMetrics(IServiceProvider services)
    {
        _metrics.Clear();
        services.GetRequiredService<MeterProvider>().ForceFlush();
        return _metrics.ToList();
    }

    /// <summary>The points of metric <paramref name="name"/> whose tags include every given (key, value).</summary>
    public static List<MetricPoint> Points(IEnumerable<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var pointTags = Tags(point);
                if (tags.All(t => pointTags.TryGetValue(t.Key, out var value) && value == t.Value))
                {
                    points.Add(point);
                }
            }
        }

        return points;
    }

    public static Dictionary<string, string?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, string?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value?.ToString();
        }

        return tags;
    }

    /// <summary>Everything a span could carry as text: names, attributes, events, status.</summary>
    public static IEnumerable<string> SpanTexts(Activity span)
    {
        yield return span.DisplayName;
        yield return span.StatusDescription ?? "";
        foreach (var tag in span.TagObjects)
        {
            yield return tag.Key + "=" + tag.Value;
        }

        foreach (var item in span.Baggage)
        {
            yield return item.Key + "=" + item.Value;
        }

        foreach (var activityEvent in span.Events)
        {
            yield return activityEvent.Name;
            foreach (var tag in activityEvent.Tags)
            {
                yield return tag.Key + "=" + tag.Value;
            }
        }
    }

    /// <summary>
    /// Keeps the ended spans of the traces this host served: a trace counts once a span of the host's own ASP.NET Core
    /// activity source (one per host, from its container) started in it; every span of such a trace is kept (the
    /// gateway's, YARP's, HttpClient's), spans of other hosts' requests are not.
    /// </summary>
    private sealed class ThisHostsTraces(ActivitySource hostSource, LockedCollection<Activity> spans) : BaseProcessor<Activity>
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<ActivityTraceId, byte> _traces = new();

        public override void OnStart(Activity data)
        {
            if (ReferenceEquals(data.Source, hostSource))
            {
                _traces.TryAdd(data.TraceId, 0);
            }
        }

        public override void OnEnd(Activity data)
        {
            if (_traces.ContainsKey(data.TraceId))
            {
                spans.Add(data);
            }
        }
    }

    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> _items = [];
        private readonly Lock _gate = new();

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_gate)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item)
        {
            lock (_gate)
            {
                return _items.Contains(item);
            }
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_gate)
            {
                _items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(T item)
        {
            lock (_gate)
            {
                return _items.Remove(item);
            }
        }

        public List<T> ToList()
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }

        public IEnumerator<T> GetEnumerator() => ToList().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
