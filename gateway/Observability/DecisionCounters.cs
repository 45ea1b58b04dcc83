using System.Collections.Concurrent;

namespace Gateway.Observability;

/// <summary>
/// This process's request decisions since it started, by decision and reason, and its shadow policies' verdicts, for
/// the operator dashboard (which must work without a metrics exporter). Allowed and anonymous requests increment a
/// field (no lookup, no allocation); refusals and shadow verdicts go through a dictionary keyed by a fixed vocabulary.
/// The metrics (<c>jwtgw.requests</c>, <c>jwtgw.shadow.decisions</c>) stay the source for monitoring.
/// </summary>
internal sealed class DecisionCounters
{
    private const int MaxRecentDisagreements = 20;
    private readonly ConcurrentDictionary<(RequestDecision Decision, string Reason), StrongBox> _refusals = new();
    private readonly ConcurrentDictionary<ShadowKey, StrongBox> _shadow = new();
    private readonly Queue<ShadowDisagreement> _recent = new();
    private readonly Lock _recentLock = new();
    private long _allowed;
    private long _anonymous;

    public DecisionCounters(TimeProvider time)
    {
        Time = time;
        Started = time.GetUtcNow();
    }

    /// <summary>The clock disagreements are stamped with.</summary>
    public TimeProvider Time { get; }

    /// <summary>When counting began (the process's start).</summary>
    public DateTimeOffset Started { get; }

    public void Allowed() => Interlocked.Increment(ref _allowed);

    public void Anonymous() => Interlocked.Increment(ref _anonymous);

    public void Refused(RequestDecision decision, string reason) =>
        Interlocked.Increment(ref _refusals.GetOrAdd((decision, reason), static _ => new StrongBox()).Value);

    /// <summary>Counts one shadow verdict; a disagreement with the enforced decision is also kept among the recent ones.</summary>
    public void Shadow(ShadowKey key, ShadowDisagreement? disagreement)
    {
        Interlocked.Increment(ref _shadow.GetOrAdd(key, static _ => new StrongBox()).Value);
        if (disagreement is not null)
        {
            lock (_recentLock)
            {
                if (_recent.Count == MaxRecentDisagreements)
                {
                    _recent.Dequeue();
                }

                _recent.Enqueue(disagreement);
            }
        }
    }

    /// <summary>Every decision count, "allow" and "anonymous" first: (decision, reason, count).</summary>
    public IReadOnlyList<(string Decision, string Reason, long Count)> Decisions()
    {
        var list = new List<(string, string, long)>
        {
            (GatewayTelemetry.Decision(RequestDecision.Allow), GatewayTelemetry.Reasons.None, Interlocked.Read(ref _allowed)),
            (GatewayTelemetry.Decision(RequestDecision.Anonymous), GatewayTelemetry.Reasons.None, Interlocked.Read(ref _anonymous)),
        };
        list.AddRange(_refusals
            .Select(pair => (GatewayTelemetry.Decision(pair.Key.Decision), pair.Key.Reason, Interlocked.Read(ref pair.Value.Value)))
            .OrderBy(entry => entry.Item1, StringComparer.Ordinal)
            .ThenBy(entry => entry.Reason, StringComparer.Ordinal));
        return list;
    }

    public IReadOnlyList<(ShadowKey Key, long Count)> ShadowVerdicts() =>
        _shadow.Select(pair => (pair.Key, Interlocked.Read(ref pair.Value.Value)))
            .OrderBy(entry => entry.Key.Route, StringComparer.Ordinal)
            .ThenBy(entry => entry.Key.Policy, StringComparer.Ordinal)
            .ToList();

    /// <summary>The latest disagreements, newest first.</summary>
    public IReadOnlyList<ShadowDisagreement> RecentDisagreements()
    {
        lock (_recentLock)
        {
            return _recent.Reverse().ToList();
        }
    }

    internal sealed class StrongBox
    {
        public long Value;
    }
}

/// <summary>A shadow verdict's counter key: the route, the shadow policy, its would-be decision and the enforced one.</summary>
internal readonly record struct ShadowKey(string Route, string Policy, string Shadow, string Enforced)
{
    public bool Disagrees => !string.Equals(Shadow, Enforced, StringComparison.Ordinal);
}

/// <summary>One request on which a shadow policy and the enforced policy decided differently.</summary>
internal sealed record ShadowDisagreement(DateTimeOffset At, string Route, string Policy, string Shadow, string Enforced, string? FailedRequirement, string TraceId);
