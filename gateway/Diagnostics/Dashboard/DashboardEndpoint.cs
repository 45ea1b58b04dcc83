using System.Text.Json;
using Gateway.Configuration;
using Gateway.Observability;
using Gateway.Revocation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// The operator dashboard under <c>/dashboard</c> on the management listener only (<see cref="Hosting.ManagementMiddleware"/>
/// never routes it from the public listener; the configuration refuses it without a management listener), behind
/// <see cref="DashboardCredential"/>:
/// <list type="bullet">
/// <item><c>GET /dashboard</c>: the page; <c>/dashboard/dashboard.css</c>, <c>/dashboard/dashboard.js</c>: its assets;</item>
/// <item><c>GET /dashboard/state</c>: <see cref="DashboardState"/> as JSON (the page polls it);</item>
/// <item><c>POST /dashboard/explain</c> <c>{"method","url","token"|"claims","issuer"?}</c> (JSON only, same origin): the
/// decision trace of <see cref="DecisionExplainer"/> against the live configuration and revocations. The token is judged
/// and dropped: never logged, never stored.</item>
/// </list>
/// </summary>
internal sealed partial class DashboardEndpoint
{
    private const int MaxExplainBodyBytes = 64 * 1024;

    // No inline script or style, nothing from elsewhere, never framed: the page shows a configuration and explains tokens.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly Lazy<string> Css = new(() => ReadAsset("dashboard.css"));
    private static readonly Lazy<string> Script = new(() => ReadAsset("dashboard.js"));

    private readonly DashboardCredential _credential;
    private readonly DashboardState _state;
    private readonly GatewaySnapshotManager _snapshots;
    private readonly ExplainRoutes _routes;
    private readonly RevocationList _revocations;
    private readonly ILogger<DashboardEndpoint> _logger;

    public DashboardEndpoint(DashboardCredential credential, DashboardState state, GatewaySnapshotManager snapshots, ExplainRoutes routes, RevocationList revocations, ILogger<DashboardEndpoint> logger)
    {
        _credential = credential;
        _state = state;
        _snapshots = snapshots;
        _routes = routes;
        _revocations = revocations;
        _logger = logger;
    }

    /// <summary>Whether <paramref name="path"/> is the dashboard's (<c>/dashboard</c> or below).</summary>
    public static bool Owns(string? path) =>
        path is not null && path.StartsWith(DashboardOptions.Path, StringComparison.OrdinalIgnoreCase)
        && (path.Length == DashboardOptions.Path.Length || path[DashboardOptions.Path.Length] == '/');

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (!_credential.Enabled)
        {
            // Switched off by a reload: the management listener serves nothing else (as if it had never been enabled).
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (!_credential.IsAuthorized(context.Request))
        {
            Log.Refused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            response.Headers.WWWAuthenticate = "Basic realm=\"gateway-dashboard\", charset=\"UTF-8\"";
            return WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "The dashboard needs Gateway:Diagnostics:Dashboard:ApiKey: HTTP Basic (any user name, the key as password) or Authorization: Bearer KEY.");
        }

        var method = context.Request.Method;
        var rest = context.Request.Path.Value![DashboardOptions.Path.Length..].TrimEnd('/').ToLowerInvariant();
        return (rest, method) switch
        {
            ("", "GET" or "HEAD") => WritePageAsync(context),
            ("/state", "GET") => WriteStateAsync(context),
            ("/dashboard.css", "GET") => WriteTextAsync(context, "text/css; charset=utf-8", Css.Value),
            ("/dashboard.js", "GET") => WriteTextAsync(context, "text/javascript; charset=utf-8", Script.Value),
            ("/explain", "POST") => ExplainAsync(context),
            ("" or "/state" or "/dashboard.css" or "/dashboard.js", _) => MethodNotAllowed(context, "GET"),
            ("/explain", _) => MethodNotAllowed(context, "POST"),
            _ => WriteProblemAsync(context, StatusCodes.Status404NotFound, "Not a dashboard resource."),
        };
    }

    private Task WritePageAsync(HttpContext context)
    {
        using var state = JsonDocument.Parse(StateJson());
        return WriteTextAsync(context, "text/html; charset=utf-8", DashboardPage.Render(state.RootElement));
    }

    private Task WriteStateAsync(HttpContext context) => WriteTextAsync(context, "application/json; charset=utf-8", StateJson());

    private string StateJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            _state.Write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task ExplainAsync(HttpContext context)
    {
        var request = context.Request;

        // JSON only and same origin: a page elsewhere cannot make the browser post here (a cross-origin JSON post needs a
        // CORS preflight this listener never grants) nor read the answer.
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !string.Equals(type.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            await WriteProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "Send the explain request as application/json.").ConfigureAwait(false);
            return;
        }

        if (request.Headers.Origin is { Count: > 0 } origin && !string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            await WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Cross-origin explain requests are refused.").ConfigureAwait(false);
            return;
        }

        var (input, error) = await ReadInputAsync(request, context.RequestAborted).ConfigureAwait(false);
        if (input is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        var trace = await new DecisionExplainer(_routes.Matcher, _revocations).ExplainAsync(_snapshots.Current, input, context.RequestAborted).ConfigureAwait(false);
        Log.Explained(_logger, input.Method, LogValue.Safe(trace.Path, 256), trace.Route ?? "-", trace.Answer.Status, trace.Answer.Reason);
        await WriteTextAsync(context, "application/json; charset=utf-8", DecisionTraceText.ToJson(trace)).ConfigureAwait(false);
    }

    private static async Task<(ExplainRequest? Input, string? Error)> ReadInputAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxExplainBodyBytes)
        {
            return (null, $"The body is larger than {MaxExplainBodyBytes} bytes.");
        }

        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxExplainBodyBytes)
            {
                return (null, $"The body is larger than {MaxExplainBodyBytes} bytes.");
            }

            body.Write(buffer.AsSpan(0, read));
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "The body must be a JSON object: {\"method\": \"GET\", \"url\": \"/orders/1\", \"token\": \"...\"}.");
            }

            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var url = Text("url");
            if (string.IsNullOrWhiteSpace(url))
            {
                return (null, "\"url\" is required: an absolute URL or a path.");
            }

            var claims = root.TryGetProperty("claims", out var claimsValue)
                ? claimsValue.ValueKind == JsonValueKind.String ? claimsValue.GetString() : claimsValue.GetRawText()
                : null;
            if (Text("token") is not null && claims is not null)
            {
                return (null, "Give either a token or claims, not both.");
            }

            var method = Text("method") ?? "GET";
            if (method.Length is 0 or > 16 || !method.All(char.IsAsciiLetter))
            {
                return (null, "\"method\" must be an HTTP method name.");
            }

            return (new ExplainRequest { Method = method, Url = url, Host = Text("host"), Token = Text("token"), Claims = claims, Issuer = Text("issuer") }, null);
        }
        catch (JsonException)
        {
            return (null, "The body is not valid JSON.");
        }
    }

    private static Task MethodNotAllowed(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return WriteProblemAsync(context, StatusCodes.Status405MethodNotAllowed, $"Use {allow}.");
    }

    private static Task WriteTextAsync(HttpContext context, string contentType, string text)
    {
        context.Response.ContentType = contentType;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        var problem = JsonSerializer.Serialize(new
        {
            type = $"https://httpstatuses.io/{status}",
            title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            status,
            detail,
        });
        return WriteTextAsync(context, Enforcement.ChallengeWriter.ProblemContentType, problem);
    }

    private static string ReadAsset(string name)
    {
        using var stream = typeof(DashboardEndpoint).Assembly.GetManifestResourceStream("Gateway.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard asset {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DashboardRefused, LogLevel.Warning, "Dashboard: request from {RemoteAddress} refused: missing or wrong credential.")]
        public static partial void Refused(ILogger logger, string remoteAddress);

        [LoggerMessage(EventIds.DecisionExplained, LogLevel.Information, "Dashboard: explained {Method} {Path}: route {RouteId}, answer {Status} ({Reason}).")]
        public static partial void Explained(ILogger logger, string method, string path, string routeId, int status, string reason);
    }
}
