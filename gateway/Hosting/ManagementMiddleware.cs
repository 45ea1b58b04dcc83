using System.Text.Json;
using Gateway.Configuration;
using Gateway.Diagnostics.Dashboard;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Revocation;
using Microsoft.AspNetCore.Http;

namespace Gateway.Hosting;

/// <summary>
/// First in the pipeline, before routing: the management endpoints (<c>/healthz/live</c>,
/// <c>/healthz/ready</c>, and the Prometheus path when enabled) are answered here, so no YARP route,
/// however broad, can shadow them, and they are never proxied. With a management listener
/// (<c>Gateway:Management:Url</c>) they are served only on its port, the public listener answers 404
/// for their paths, and the management port serves nothing else (404).
/// </summary>
internal sealed class ManagementMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly DrainState _drain;
    private readonly TimeProvider _time;
    private readonly RedisConnectionFactory? _redis;
    private readonly RedisSharedKeyStore? _redisStore;
    private readonly int? _managementPort;
    private readonly string? _metricsPath;
    private readonly RevocationEndpoint? _revocations;
    private readonly DashboardEndpoint? _dashboard;

    public ManagementMiddleware(RequestDelegate next, GatewaySnapshotManager snapshots, DrainState drain, TimeProvider time, ManagementEndpointSettings settings, RedisConnectionFactory? redis = null, RedisSharedKeyStore? redisStore = null, RevocationEndpoint? revocations = null, DashboardEndpoint? dashboard = null)
    {
        // Like the revocation endpoint: only ever on a separate management listener (the configuration refuses it without one).
        _dashboard = settings.ManagementPort is not null ? dashboard : null;
        // Only ever on a separate management listener (the configuration refuses the key without one); whether it is on
        // follows the active configuration's key (see Match).
        _revocations = settings.ManagementPort is not null ? revocations : null;
        _next = next;
        _snapshots = snapshots;
        _drain = drain;
        _time = time;
        _redis = redis;
        _redisStore = redisStore;
        _managementPort = settings.ManagementPort;
        _metricsPath = settings.MetricsPath;
    }

    public Task Invoke(HttpContext context)
    {
        var path = context.Request.Path.Value;
        var endpoint = Match(path);
        if (_managementPort is { } port)
        {
            var onManagementPort = context.Connection.LocalPort == port;
            if (onManagementPort != (endpoint != Endpoint.None))
            {
                // A management path on the public listener, or anything else on the management listener.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
        }

        return endpoint switch
        {
            Endpoint.Live => WriteLiveAsync(context),
            Endpoint.Ready => WriteReadyAsync(context),
            Endpoint.Revocations => _revocations!.InvokeAsync(context),
            Endpoint.Dashboard => _dashboard!.InvokeAsync(context),
            _ => _next(context), // not management, or the metrics path (served by the Prometheus middleware next)
        };
    }

    private Endpoint Match(string? path)
    {
        if (string.Equals(path, ManagementPaths.Liveness, StringComparison.OrdinalIgnoreCase))
        {
            return Endpoint.Live;
        }

        if (string.Equals(path, ManagementPaths.Readiness, StringComparison.OrdinalIgnoreCase))
        {
            return Endpoint.Ready;
        }

        if (_revocations is not null && string.Equals(path, ManagementPaths.Revocations, StringComparison.OrdinalIgnoreCase) && _revocations.Enabled)
        {
            return Endpoint.Revocations;
        }

        if (_dashboard is not null && DashboardEndpoint.Owns(path))
        {
            return Endpoint.Dashboard;
        }

        return _metricsPath is not null && string.Equals(path, _metricsPath, StringComparison.OrdinalIgnoreCase) ? Endpoint.Metrics : Endpoint.None;
    }

    private static Task WriteLiveAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync("live", context.RequestAborted);
    }

    // 200 when the configuration is loaded (it always is once the server listens), every issuer's keys were
    // loaded at least once, and the gateway is not draining; 503 otherwise. Redis is reported, never fatal.
    private async Task WriteReadyAsync(HttpContext context)
    {
        var snapshot = _snapshots.Current;
        var now = _time.GetUtcNow();
        var draining = _drain.IsDraining;
        var missingKeys = 0;
        foreach (var issuer in snapshot.Issuers.All)
        {
            if (issuer.Keys.Current is null)
            {
                missingKeys++;
            }
        }

        var ready = !draining && missingKeys == 0;
        var response = context.Response;
        response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("status", ready ? "ready" : "not ready");
        if (!ready)
        {
            writer.WriteString("reason", draining ? "shutting down" : "signing keys not loaded for every issuer");
        }

        writer.WriteBoolean("draining", draining);
        writer.WriteNumber("configurationGeneration", _snapshots.Generation);
        writer.WriteStartObject("issuers");
        foreach (var issuer in snapshot.Issuers.All)
        {
            writer.WriteStartObject(issuer.Name);
            var keys = issuer.Keys.Current;
            writer.WriteBoolean("keysLoaded", keys is not null);
            if (keys is not null)
            {
                writer.WriteNumber("keyCount", keys.Keys.Count);
                writer.WriteNumber("keyAgeSeconds", Math.Round((now - keys.FetchedAt).TotalSeconds, 1));
                writer.WriteString("source", Gateway.Keys.KeySetSourceNames.Name(keys.Source));
                writer.WriteBoolean("usable", now <= keys.UsableUntil);
            }

            // A failing issuer is named even while its last keys still serve (ready stays 200 then).
            var failure = issuer.Keys.LastFailure;
            writer.WriteBoolean("lastLoadFailed", failure is not null);
            if (failure is not null)
            {
                writer.WriteString("lastError", failure.Error);
                writer.WriteString("failingSince", failure.Since);
                writer.WriteNumber("consecutiveFailures", failure.ConsecutiveFailures);
                if (issuer.Keys.NextRetryAt is { } retry)
                {
                    writer.WriteString("nextRetryAt", retry);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteString("redis", _redis is null ? "not configured" : GatewayStateMetrics.IsConnected(_redis) ? "connected" : "unavailable");
        if (_redisStore is { Refusals.Count: > 0 } store)
        {
            // Commands Redis refuses (a missing ACL grant: "NOPERM ... 'setex' ..."): sharing is degraded, never fatal.
            writer.WriteStartObject("redisErrors");
            foreach (var (operation, error) in store.Refusals)
            {
                writer.WriteString(operation, error);
            }

            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private enum Endpoint
    {
        None,
        Live,
        Ready,
        Metrics,
        Revocations,
        Dashboard,
    }
}

/// <summary>What <see cref="ManagementMiddleware"/> serves, from the startup configuration.</summary>
internal sealed record ManagementEndpointSettings(int? ManagementPort, string? MetricsPath);
