using System.Diagnostics.Metrics;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Redis;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>
/// Observable instruments read from the gateway's state at each collection: key age and presence per
/// issuer, Redis availability and rejected entries, draining. Created once per host (through
/// <see cref="IMeterFactory"/>), so each host reports its own state.
/// </summary>
internal sealed class GatewayStateMetrics
{
    public GatewayStateMetrics(IMeterFactory meters, GatewaySnapshotManager snapshots, DrainState drain, TimeProvider time, RedisConnectionFactory? redis = null, RedisSharedKeyStore? redisStore = null)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(
            GatewayDiagnostics.Metrics.KeyAge,
            () => KeyAges(snapshots.Current, time),
            "s",
            "Age of each issuer's signing keys in memory, since they were fetched from the identity provider.");
        meter.CreateObservableGauge(
            GatewayDiagnostics.Metrics.KeysLoaded,
            () => KeysLoaded(snapshots.Current, time),
            "{issuer}",
            "1 when the issuer's signing keys are in memory and usable, else 0.");
        meter.CreateObservableGauge(GatewayDiagnostics.Metrics.Draining, () => drain.IsDraining ? 1 : 0, "{state}", "1 while the gateway is shutting down.");
        if (redis is not null)
        {
            meter.CreateObservableGauge(GatewayDiagnostics.Metrics.RedisAvailable, () => IsConnected(redis) ? 1 : 0, "{state}", "1 while the Redis connection of the shared key cache is up, else 0.");
        }

        if (redisStore is not null)
        {
            meter.CreateObservableCounter(GatewayDiagnostics.Metrics.RedisRejectedEntries, () => redisStore.RejectedEntries, "{entry}", "Redis key cache entries refused (integrity check, wrong issuer or source).");
            meter.CreateObservableCounter(GatewayDiagnostics.Metrics.RedisRefusedCommands, () => redisStore.RefusedCommands, "{command}", "Key cache commands Redis answered with an error (e.g. NOPERM: a missing ACL grant; the log names the command).");
        }
    }

    /// <summary>Whether the Redis connection is up now (never starts or waits for one).</summary>
    public static bool IsConnected(RedisConnectionFactory redis)
    {
        var connection = redis.GetConnectionAsync();
#pragma warning disable VSTHRD002 // Result is read only once the connection task completed successfully: never a wait
        return connection.IsCompletedSuccessfully && connection.Result.IsConnected;
#pragma warning restore VSTHRD002
    }

    private static IEnumerable<Measurement<double>> KeyAges(GatewaySnapshot snapshot, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var issuer in snapshot.Issuers.All)
        {
            if (issuer.Keys.Current is { } keys)
            {
                yield return new Measurement<double>((now - keys.FetchedAt).TotalSeconds, new KeyValuePair<string, object?>(Tags.Issuer, issuer.Name));
            }
        }
    }

    private static IEnumerable<Measurement<int>> KeysLoaded(GatewaySnapshot snapshot, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var issuer in snapshot.Issuers.All)
        {
            yield return new Measurement<int>(issuer.Keys.Current is { } keys && now <= keys.UsableUntil ? 1 : 0, new KeyValuePair<string, object?>(Tags.Issuer, issuer.Name));
        }
    }
}
