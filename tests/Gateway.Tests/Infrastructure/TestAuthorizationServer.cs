using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real OAuth 2.0 authorization server on a loopback port that issues opaque tokens and answers RFC 7662
/// introspection: discovery (<c>introspection_endpoint</c>), <c>POST /introspect</c> with client authentication
/// (client_secret_basic or client_secret_post; a wrong secret is <c>401 invalid_client</c>), <c>active: false</c> for
/// unknown, revoked or expired tokens. Counts calls; can be made slow, failing (500), malformed or to hang.
/// </summary>
public sealed class TestAuthorizationServer : IAsyncDisposable
{
    public const string ClientId = "gateway";
    public const string ClientSecret = "introspection-secret-7f3a9c2e51d84b06";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _authMethods = new();
    private int _calls;
    private int _discoveryFetches;

    private TestAuthorizationServer(WebApplication app)
    {
        _app = app;
    }

    public string BaseAddress { get; private set; } = "";

    /// <summary>The issuer (<c>iss</c>) and authority: the base address.</summary>
    public string Issuer => BaseAddress;

    public string IntrospectionEndpoint => BaseAddress + "/introspect";

    /// <summary>Introspection requests received (any outcome, client refusals included).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    /// <summary>How each authenticated call presented its credentials: <c>basic</c> or <c>post</c>.</summary>
    public IReadOnlyCollection<string> AuthMethods => _authMethods;

    /// <summary>Answer every introspection only after this delay.</summary>
    public TimeSpan? Delay { get; set; }

    public AuthorizationServerFailure Failure { get; set; }

    /// <summary>Answer the discovery document only after this delay.</summary>
    public TimeSpan? DiscoveryDelay { get; set; }

    public static async Task<TestAuthorizationServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestAuthorizationServer(app);
        app.MapGet("/.well-known/openid-configuration", server.Discovery);
        app.MapPost("/introspect", server.IntrospectAsync);
        await app.StartAsync();
        server.BaseAddress = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>
    /// Issues an opaque token (random, base64url) whose introspection answer is active with these claims over the
    /// defaults (<c>sub</c>, <c>client_id</c>, <c>scope</c>, <c>aud</c> api, <c>iss</c>, <c>exp</c> in 5 minutes).
    /// </summary>
    public string Issue(JsonObject? claims = null, string? token = null)
    {
        token ??= Base64Url(RandomNumberGenerator.GetBytes(32));
        var answer = new JsonObject
        {
            ["active"] = true,
            ["sub"] = "user-1",
            ["client_id"] = "web-app",
            ["scope"] = "read profile",
            ["aud"] = "api",
            ["iss"] = Issuer,
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds(),
            ["token_type"] = "Bearer",
        };
        foreach (var (name, value) in claims ?? [])
        {
            answer[name] = value?.DeepClone();
        }

        _tokens[token] = answer;
        return token;
    }

    /// <summary>From now on the token is inactive (revoked at the authorization server).</summary>
    public void Revoke(string token) => _tokens.TryRemove(token, out _);

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _discoveryFetches, 0);
        _authMethods.Clear();
    }

    private async Task<IResult> Discovery(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _discoveryFetches);
        if (DiscoveryDelay is { } delay)
        {
            await Task.Delay(delay, cancellationToken);
        }

        return Results.Json(new JsonObject
        {
            ["issuer"] = Issuer,
            ["introspection_endpoint"] = IntrospectionEndpoint,
            ["introspection_endpoint_auth_methods_supported"] = new JsonArray("client_secret_basic", "client_secret_post"),
        });
    }

    private async Task IntrospectAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        if (Delay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        switch (Failure)
        {
            case AuthorizationServerFailure.ServerError:
                context.Response.StatusCode = 500;
                return;
            case AuthorizationServerFailure.Malformed:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"active\":\"yes\"}");
                return;
            case AuthorizationServerFailure.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var method = Authenticate(context.Request, form);
        if (method is null)
        {
            // RFC 6749 §5.2: invalid_client, 401 with a challenge for the scheme the client tried.
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"introspection\"";
            await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = "invalid_client" });
            return;
        }

        _authMethods.Enqueue(method);
        var token = form["token"].ToString();
        var active = _tokens.TryGetValue(token, out var answer)
            && answer["exp"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await context.Response.WriteAsJsonAsync(active ? answer!.DeepClone() : new JsonObject { ["active"] = false });
    }

    // client_secret_basic: Basic of the form-urlencoded id and secret (RFC 6749 §2.3.1); client_secret_post: in the body.
    private static string? Authenticate(HttpRequest request, IFormCollection form)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header) && header.Scheme == "Basic" && header.Parameter is { } parameter)
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter)).Split(':', 2);
            return decoded.Length == 2 && Uri.UnescapeDataString(decoded[0]) == ClientId && Uri.UnescapeDataString(decoded[1]) == ClientSecret ? "basic" : null;
        }

        return form["client_id"] == ClientId && form["client_secret"] == ClientSecret ? "post" : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

public enum AuthorizationServerFailure
{
    None,
    ServerError,
    Malformed,
    Hang,
}
