using System.Text.Json;
using Gateway.Configuration;
using Gateway.Enforcement;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Tokens;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// What the dashboard shows, as JSON (<c>GET /dashboard/state</c>, polled by the page): the active configuration and
/// the last rejected reload, routes, issuers' keys, Redis, decision counts and shadow verdicts. Names, counts and times
/// only: no token, no claim value, no secret.
/// </summary>
internal sealed class DashboardState
{
    private readonly GatewaySnapshotManager _snapshots;
    private readonly DecisionCounters _counters;
    private readonly TimeProvider _time;
    private readonly RedisConnectionFactory? _redis;
    private readonly RedisSharedKeyStore? _redisStore;
    private readonly string _environment;

    public DashboardState(GatewaySnapshotManager snapshots, DecisionCounters counters, TimeProvider time, string environment, RedisConnectionFactory? redis, RedisSharedKeyStore? redisStore)
    {
        _snapshots = snapshots;
        _counters = counters;
        _time = time;
        _environment = environment;
        _redis = redis;
        _redisStore = redisStore;
    }

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var snapshot = _snapshots.Current;
        var now = _time.GetUtcNow();
        writer.WriteStartObject();
        writer.WriteString("now", now);
        WriteConfiguration(writer);
        writer.WriteStartArray("routes");
        foreach (var plan in snapshot.Routes.Values.OrderBy(p => p.RouteId, StringComparer.Ordinal))
        {
            WriteRoute(writer, snapshot, plan);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("issuers");
        foreach (var issuer in snapshot.Issuers.All)
        {
            WriteIssuer(writer, issuer, now);
        }

        writer.WriteEndArray();
        WriteRedis(writer);
        WriteCounts(writer);
        writer.WriteEndObject();
    }

    private void WriteConfiguration(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("configuration");
        writer.WriteNumber("generation", _snapshots.Generation);
        writer.WriteString("loadedAt", _snapshots.LoadedAt);
        writer.WriteString("environment", _environment);
        if (_snapshots.LastRejected is { } rejected)
        {
            writer.WriteStartObject("lastRejected");
            writer.WriteString("at", rejected.At);
            writer.WriteStartArray("errors");
            foreach (var error in rejected.Errors)
            {
                writer.WriteStringValue(error);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteRoute(Utf8JsonWriter writer, GatewaySnapshot snapshot, RoutePlan plan)
    {
        var route = plan.Route;
        writer.WriteStartObject();
        writer.WriteString("id", plan.RouteId);
        writer.WriteString("path", route.Match.Path ?? "(any)");
        writer.WriteString("hosts", route.Match.Hosts is { Count: > 0 } hosts ? string.Join(", ", hosts) : "(any)");
        writer.WriteString("methods", route.Match.Methods is { Count: > 0 } methods ? string.Join(", ", methods) : "(any)");
        writer.WriteString("cluster", route.ClusterId);
        writer.WriteString("policy", plan.Policy.Name);
        writer.WriteBoolean("anonymous", plan.Policy.IsAnonymous);
        writer.WriteString("shadowPolicy", plan.ShadowPolicy?.Name);
        writer.WriteString("issuers", plan.Policy.IsAnonymous ? "(no token)" : plan.Policy.AcceptedIssuers is { } accepted ? string.Join(", ", accepted.Order(StringComparer.Ordinal)) : "(any configured)");
        writer.WriteStartArray("claimHeaders");
        if (!plan.Policy.IsAnonymous)
        {
            foreach (var issuer in snapshot.Issuers.All.Where(i => plan.Policy.AcceptsIssuer(i.Name)))
            {
                foreach (var mapping in plan.ClaimHeaders.MappingsFor(issuer.Name))
                {
                    writer.WriteStartObject();
                    writer.WriteString("issuer", issuer.Name);
                    writer.WriteString("header", mapping.Header);
                    writer.WriteString("claim", mapping.Claim.Text);
                    writer.WriteEndObject();
                }
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteIssuer(Utf8JsonWriter writer, IssuerProvider issuer, DateTimeOffset now)
    {
        writer.WriteStartObject();
        writer.WriteString("name", issuer.Name);
        writer.WriteString("issuer", issuer.ExpectedIssuer);
        writer.WriteString("keySource", issuer.Keys.Settings.SourceAddress);
        var keys = issuer.Keys.Current;
        writer.WriteBoolean("keysLoaded", keys is not null);
        if (keys is not null)
        {
            writer.WriteNumber("keyCount", keys.Keys.Count);
            writer.WriteNumber("keyAgeSeconds", Math.Round((now - keys.FetchedAt).TotalSeconds));
            writer.WriteString("source", Gateway.Keys.KeySetSourceNames.Name(keys.Source));
            writer.WriteString("staleness", now > keys.UsableUntil ? "unusable" : now > keys.ExpiresAt ? "stale" : "fresh");
            writer.WriteString("refreshAt", keys.RefreshAt);
        }

        if (issuer.Keys.LastFailure is { } failure)
        {
            writer.WriteString("lastError", failure.Error);
            writer.WriteNumber("consecutiveFailures", failure.ConsecutiveFailures);
        }

        writer.WriteEndObject();
    }

    private void WriteRedis(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("redis");
        writer.WriteString("state", _redis is null ? "not configured" : GatewayStateMetrics.IsConnected(_redis) ? "connected" : "unavailable");
        writer.WriteStartObject("errors");
        foreach (var (operation, error) in _redisStore?.Refusals ?? new Dictionary<string, string>())
        {
            writer.WriteString(operation, error);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteCounts(Utf8JsonWriter writer)
    {
        writer.WriteString("countingSince", _counters.Started);
        writer.WriteStartArray("decisions");
        foreach (var (decision, reason, count) in _counters.Decisions())
        {
            writer.WriteStartObject();
            writer.WriteString("decision", decision);
            writer.WriteString("reason", reason);
            writer.WriteNumber("count", count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("shadow");
        foreach (var (key, count) in _counters.ShadowVerdicts())
        {
            writer.WriteStartObject();
            writer.WriteString("route", key.Route);
            writer.WriteString("policy", key.Policy);
            writer.WriteString("shadow", key.Shadow);
            writer.WriteString("enforced", key.Enforced);
            writer.WriteBoolean("disagrees", key.Disagrees);
            writer.WriteNumber("count", count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("disagreements");
        foreach (var entry in _counters.RecentDisagreements())
        {
            writer.WriteStartObject();
            writer.WriteString("at", entry.At);
            writer.WriteString("route", entry.Route);
            writer.WriteString("policy", entry.Policy);
            writer.WriteString("shadow", entry.Shadow);
            writer.WriteString("enforced", entry.Enforced);
            writer.WriteString("failedRequirement", entry.FailedRequirement);
            writer.WriteString("traceId", entry.TraceId);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
