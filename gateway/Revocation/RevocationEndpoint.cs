using System.Globalization;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Revocation;

/// <summary>
/// <c>/revocations</c> on the management listener only (the configuration refuses the key without one), guarded by
/// <c>Gateway:Revocation:ApiKey</c> (<c>Authorization: Bearer KEY</c>, compared in constant time; the active configuration's key,
/// so a reload that rotates or removes it applies to the next request):
/// <list type="bullet">
/// <item><c>GET</c>: every revocation in force on this replica;</item>
/// <item><c>POST</c> <c>{"jti": "...", "issuer"?: "...", "expiresAt"?: "..."}</c>, <c>{"issuer": "...", "sub": "...", "before"?: "..."}</c>
/// or <c>{"sid": "...", "issuer"?: "..."}</c>: revokes (201); with Redis for the whole fleet, else for this instance;</item>
/// <item><c>DELETE ?jti=...&amp;issuer=...</c> (or <c>sub</c>, <c>sid</c>): takes a revocation back (204, 404 when there was none).</item>
/// </list>
/// With Redis configured but unreachable, a revocation is still enforced here at once and the answer is 503: retry so
/// that it reaches the fleet.
/// </summary>
internal sealed partial class RevocationEndpoint
{
    private const int MaxBodyBytes = 8 * 1024;

    private readonly ManagementApiKey _key;
    private readonly RevocationList _list;
    private readonly RedisRevocationStore? _store;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly TimeProvider _time;
    private readonly ILogger<RevocationEndpoint> _logger;

    public RevocationEndpoint(ManagementApiKey key, RevocationList list, RedisRevocationStore? store, GatewaySnapshotManager snapshots, TimeProvider time, ILogger<RevocationEndpoint> logger)
    {
        _key = key;
        _list = list;
        _store = store;
        _snapshots = snapshots;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Whether the active configuration sets the key (the endpoint is then served on the management listener). A reload
    /// that sets, rotates or removes the key applies to the next request.
    /// </summary>
    public bool Enabled => _key.IsSet;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (!IsAuthorized(context.Request))
        {
            Log.Refused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            response.Headers.WWWAuthenticate = "Bearer realm=\"gateway-revocation\"";
            await WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "The revocation endpoint needs Authorization: Bearer with Gateway:Revocation:ApiKey.").ConfigureAwait(false);
            return;
        }

        switch (context.Request.Method)
        {
            case "GET":
                await WriteListAsync(context).ConfigureAwait(false);
                break;
            case "POST":
                await RevokeAsync(context).ConfigureAwait(false);
                break;
            case "DELETE":
                await RemoveAsync(context).ConfigureAwait(false);
                break;
            default:
                response.Headers.Allow = "GET, POST, DELETE";
                await WriteProblemAsync(context, StatusCodes.Status405MethodNotAllowed, "Use GET, POST or DELETE.").ConfigureAwait(false);
                break;
        }
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && _key.Matches(header["Bearer ".Length..].Trim());
    }

    private async Task RevokeAsync(HttpContext context)
    {
        var (request, error) = await ReadBodyAsync(context).ConfigureAwait(false);
        var (entry, invalid) = request is null ? (null, error) : request.ToEntry(_snapshots.Current.Options, _time.GetUtcNow());
        if (entry is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, invalid!).ConfigureAwait(false);
            return;
        }

        var scope = "instance";
        if (_store is null)
        {
            _list.AddLocal(entry);
        }
        else if (await _store.AddAsync(entry, context.RequestAborted).ConfigureAwait(false))
        {
            _list.AddShared(entry); // here at once; the other replicas on the change notice
            scope = "fleet";
        }
        else
        {
            _list.AddLocal(entry);
            Log.Changed(_logger, "added", RevocationEntry.KindName(entry.Kind), entry.Issuer ?? "*", "this instance only (Redis unavailable)");
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Redis is unavailable: the revocation is enforced on this instance only. Retry to reach every replica.").ConfigureAwait(false);
            return;
        }

        Log.Changed(_logger, "added", RevocationEntry.KindName(entry.Kind), entry.Issuer ?? "*", scope);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await WriteJsonAsync(context, writer =>
        {
            writer.WriteString("scope", scope);
            writer.WritePropertyName("revocation");
            JsonSerializer.Serialize(writer, entry, RevocationJson.Options);
        }).ConfigureAwait(false);
    }

    private async Task RemoveAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var (request, error) = Selector(query["jti"], query["sub"], query["sid"], query["issuer"]);
        if (request is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        var issuer = request.Issuer is null ? null : _snapshots.Current.Options.Issuers.Keys.FirstOrDefault(k => string.Equals(k, request.Issuer, StringComparison.OrdinalIgnoreCase)) ?? request.Issuer;
        var id = new RevocationEntry(request.Kind, issuer, request.Value, null, default, default).Id;
        var removedHere = _list.Remove(id);
        bool? removedShared = _store is null ? false : await _store.RemoveAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (removedShared is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Redis is unavailable: the revocation was removed on this instance only and stays in force on the others. Retry.").ConfigureAwait(false);
            return;
        }

        if (!removedHere && removedShared == false)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "No such revocation.").ConfigureAwait(false);
            return;
        }

        Log.Changed(_logger, "removed", RevocationEntry.KindName(request.Kind), issuer ?? "*", _store is null ? "instance" : "fleet");
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private Task WriteListAsync(HttpContext context) => WriteJsonAsync(context, writer =>
    {
        writer.WriteString("store", _store is null ? "memory (this instance only)" : _store.IsConnected ? "redis" : "redis (unavailable: serving the last synchronised set)");
        writer.WritePropertyName("revocations");
        var now = _time.GetUtcNow();
        JsonSerializer.Serialize(writer, _list.Current.Entries.Where(e => e.ExpiresAt > now).OrderBy(e => e.CreatedAt).ToList(), RevocationJson.Options);
    });

    private static async Task<(RevocationRequest? Request, string? Error)> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, $"the body is larger than {MaxBodyBytes} bytes");
        }

        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk.AsSpan(0, read));
                if (buffer.Length > MaxBodyBytes)
                {
                    return (null, $"the body is larger than {MaxBodyBytes} bytes");
                }
            }

            using var document = JsonDocument.Parse(buffer.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "the body is a JSON object: {\"jti\": ...}, {\"issuer\": ..., \"sub\": ..., \"before\": ...} or {\"sid\": ...}");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("jti" or "sub" or "sid" or "issuer" or "before" or "expiresAt"))
                {
                    return (null, $"unknown property '{property.Name}' (known: jti, sub, sid, issuer, before, expiresAt)");
                }

                if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                {
                    return (null, $"'{property.Name}' must be a string");
                }
            }

            var (request, error) = Selector(Text(root, "jti"), Text(root, "sub"), Text(root, "sid"), Text(root, "issuer"));
            if (request is null)
            {
                return (null, error);
            }

            if (!TryTime(root, "before", out var before) || !TryTime(root, "expiresAt", out var expires))
            {
                return (null, "'before' and 'expiresAt' are ISO 8601 times (2026-01-31T12:00:00Z) or Unix seconds");
            }

            return (request with { IssuedBefore = before, ExpiresAt = expires }, null);
        }
        catch (JsonException)
        {
            return (null, "the body is not valid JSON");
        }
    }

    /// <summary>Exactly one of jti, sub, sid; the issuer is required with sub.</summary>
    internal static (RevocationRequest? Request, string? Error) Selector(string? jti, string? sub, string? sid, string? issuer)
    {
        var given = new[] { (RevocationKind.TokenId, jti), (RevocationKind.Subject, sub), (RevocationKind.Session, sid) }.Where(s => !string.IsNullOrEmpty(s.Item2)).ToList();
        if (given.Count != 1)
        {
            return (null, "name exactly one of jti, sub (with issuer) or sid");
        }

        return (new RevocationRequest(given[0].Item1, given[0].Item2!, string.IsNullOrEmpty(issuer) ? null : issuer, null, null), null);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    /// <summary>An ISO 8601 time with an offset, or Unix seconds.</summary>
    internal static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 253402300800)
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    private static bool TryTime(JsonElement root, string name, out DateTimeOffset? time) => TryParseTime(Text(root, name), out time);

    // Serialized into memory first (the serializer flushes synchronously; the response stream allows only async writes).
    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType ??= "application/json; charset=utf-8";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = Enforcement.ChallengeWriter.ProblemContentType;
        return WriteJsonAsync(context, writer =>
        {
            writer.WriteString("type", $"https://httpstatuses.io/{status}");
            writer.WriteString("title", ReasonPhrases(status));
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
        });
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.RevocationChanged, LogLevel.Information, "Revocation {Action}: {Kind} (issuer {Issuer}), {Scope}.")]
        public static partial void Changed(ILogger logger, string action, string kind, string issuer, string scope);

        [LoggerMessage(Observability.EventIds.RevocationEndpointRefused, LogLevel.Warning, "Revocation endpoint: request from {RemoteAddress} refused: missing or wrong credential.")]
        public static partial void Refused(ILogger logger, string remoteAddress);
    }
}
