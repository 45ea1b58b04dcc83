using System.Diagnostics;
using Gateway.Keys;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Observability;

/// <summary>Hooks of <see cref="IssuerKeyManager"/>: the <c>jwtgw.keys.load</c> span and the key cache and identity provider metrics.</summary>
internal static class KeyTelemetry
{
    public static void MemoryLookup(GatewayMetrics metrics, string issuer, bool hit) => Lookup(metrics, issuer, "memory", hit);

    public static void SharedLookup(GatewayMetrics metrics, string issuer, bool hit) => Lookup(metrics, issuer, "redis", hit);

    public static Activity? StartLoad(string issuer, KeyLoadReason reason)
    {
        var activity = GatewayTelemetry.Source.StartActivity(Spans.KeyLoad, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Issuer, issuer);
            activity.SetTag(Tags.LoadReason, reason.ToString()); // the member names are the documented values
        }

        return activity;
    }

    /// <summary>Ends the load span: where the keys now in use came from (<c>idp</c>, <c>redis</c>, or <c>memory</c> when unchanged) and whether the load succeeded.</summary>
    public static void LoadFinished(Activity? activity, IssuerKeySet? before, IssuerKeySet? result, bool failed)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        var source = result is null ? "none" : ReferenceEquals(result, before) ? "memory" : result.Source.Name();
        activity.SetTag(Tags.KeySource, source);
        activity.SetTag(Tags.Outcome, failed ? "failure" : "success");
        if (failed)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    public static void IdpFetched(GatewayMetrics metrics, string issuer, bool success, TimeSpan elapsed)
    {
        var tags = new TagList { { Tags.Issuer, issuer }, { Tags.Outcome, success ? "success" : "failure" } };
        metrics.IdpFetches.Add(1, tags);
        metrics.IdpFetchDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>A read of a local JWKS file: <c>success</c>, <c>unreadable</c> (missing, not readable) or <c>invalid</c> (refused by its rules).</summary>
    public static void LocalRead(GatewayMetrics metrics, string issuer, string outcome) =>
        metrics.LocalKeyReads.Add(1, new TagList { { Tags.Issuer, issuer }, { Tags.Outcome, outcome } });

    private static void Lookup(GatewayMetrics metrics, string issuer, string level, bool hit)
    {
        if (metrics.KeyCacheLookups.Enabled)
        {
            metrics.KeyCacheLookups.Add(1, new TagList { { Tags.Issuer, issuer }, { Tags.CacheLevel, level }, { Tags.CacheResult, hit ? "hit" : "miss" } });
        }
    }
}
