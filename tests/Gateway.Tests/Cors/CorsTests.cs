using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.Cors;

/// <summary>
/// CORS through the real gateway, the real IdP and the real downstream, with plain HTTP requests carrying what a
/// browser sends: preflights answered by the gateway without a token and never forwarded, CORS headers on the
/// downstream's answers and on the gateway's own 401/403/503, the downstream's CORS headers never widening the
/// policy, preflights on routes without CORS judged like any request, and a policy change applied on reload.
/// </summary>
public sealed class CorsTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private const string App = "http://app.test:8080";
    private const string DeadIssuer = "https://dead-issuer.test";
    private const string DefaultApp = "https://default-app.test";
    private readonly IntegrationFixture _fixture;
    private readonly TelemetryCapture _telemetry = new();
    private GatewayInstance _gateway = null!;

    public CorsTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private RecordingDownstream Downstream => _fixture.Downstream;

    public async Task InitializeAsync()
    {
        Downstream.Clear();
        _gateway = await GatewayInstance.StartAsync(Config().Build(), _telemetry.Configure);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static JsonObject WebPolicy(params string[] origins) => new()
    {
        ["AllowedOrigins"] = new JsonArray(origins.Select(o => (JsonNode)o).ToArray()),
        ["AllowedMethods"] = new JsonArray("GET", "POST", "DELETE"),
        ["AllowedHeaders"] = new JsonArray("Authorization", "Content-Type", "X-Trace"),
        ["ExposedHeaders"] = new JsonArray("X-Request-Id"),
        ["AllowCredentials"] = true,
        ["MaxAge"] = "00:10:00",
    };

    /// <summary>
    /// <c>/cors/**</c>: any valid token, CORS policy "web"; <c>/corsadmin/**</c>: scope admin, "web";
    /// <c>/api/**</c>: any valid token, no CORS; <c>/open/**</c>: anonymous, no CORS; <c>/corsopen/**</c>: anonymous, "web".
    /// Issuer "dead" has no reachable keys (its tokens get 503).
    /// </summary>
    private TestConfig Config(params string[] origins)
    {
        var config = _fixture.Config()
            .Policy("admin", new JsonObject { ["Scopes"] = new JsonArray("admin") })
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Route("cors", null)
            .Route("corsadmin", "admin")
            .Route("open", "public")
            .Route("corsopen", "public");
        config.Gateway["Cors"] = new JsonObject { ["web"] = WebPolicy(origins.Length > 0 ? origins : [App, "https://*.example.com"]) };
        foreach (var route in new[] { "cors", "corsadmin", "corsopen" })
        {
            config.Routes[route]!["CorsPolicy"] = "web";
        }

        // YARP's "Default" (any case) is Gateway:Cors:Default; a route limited to GET still gets its preflights.
        config.Gateway["Cors"]!["Default"] = new JsonObject { ["AllowedOrigins"] = new JsonArray(DefaultApp) };
        config.Route("dflt", null);
        config.Routes["dflt"]!["CorsPolicy"] = "default";
        config.Route("getonly", null);
        config.Routes["getonly"]!["CorsPolicy"] = "web";
        config.Routes["getonly"]!["Match"]!["Methods"] = new JsonArray("GET");

        config.Gateway["Issuers"]!["dead"] = new JsonObject
        {
            ["JwksUri"] = $"http://127.0.0.1:{FreePort.Next()}/jwks",
            ["Issuer"] = DeadIssuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
            ["FetchTimeout"] = "00:00:01",
        };
        return config;
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method = "GET", string? headers = "authorization")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
    }

    private static HttpRequestMessage Get(string path, string origin, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    private static void AssertCorsAllowed(HttpResponseMessage response, string origin)
    {
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", Header(response, "Vary") ?? "", StringComparison.Ordinal);
    }

    private static void AssertNoCors(HttpResponseMessage response)
    {
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
        Assert.Null(Header(response, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_IsAnsweredByTheGateway_WithoutAToken_AndNeverForwarded()
    {
        using var response = await _gateway.Client.SendAsync(Preflight("/cors/orders", App, "DELETE", "authorization,x-trace"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertCorsAllowed(response, App);
        Assert.Equal("GET,POST,DELETE", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("Authorization,Content-Type,X-Trace", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Null(Header(response, "WWW-Authenticate"));
        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task Preflight_OnARouteWithAScopePolicy_NeedsNoToken_EitherWay()
    {
        using var response = await _gateway.Client.SendAsync(Preflight("/corsadmin/x", App));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertCorsAllowed(response, App);
        Assert.Empty(Downstream.Received);
    }

    [Theory]
    [InlineData("https://evil.test")]
    [InlineData("http://app.test:8081")] // another port
    [InlineData("https://app.test:8080")] // another scheme
    [InlineData("https://example.com")] // the wildcard's domain itself
    [InlineData("https://evil-example.com")]
    [InlineData("null")]
    public async Task Preflight_FromARefusedOrigin_GetsNoCorsHeaders_AndIsNeverForwarded(string origin)
    {
        using var response = await _gateway.Client.SendAsync(Preflight("/cors/orders", origin));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertNoCors(response);
        Assert.Empty(Downstream.Received);
        Assert.Contains("preflight refused: origin_not_allowed", _gateway.Logs.AllText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://shop.example.com")]
    [InlineData("https://eu.shop.example.com")]
    public async Task Preflight_FromAWildcardSubdomain_IsAllowed(string origin)
    {
        using var response = await _gateway.Client.SendAsync(Preflight("/cors/orders", origin));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertCorsAllowed(response, origin);
    }

    [Fact]
    public async Task ActualRequest_200_CarriesTheCorsHeaders_AndIsEnforcedAndStrippedAsAnyRequest()
    {
        var request = Get("/cors/orders", App, _fixture.Idp.Mint());
        request.Headers.Add("X-User-Id", "spoofed");
        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertCorsAllowed(response, App);
        Assert.Equal("WWW-Authenticate,X-Request-Id", Header(response, "Access-Control-Expose-Headers"));
        var forwarded = Downstream.Single();
        Assert.Equal("alice", forwarded.Header("X-User-Id")); // the client's copy was stripped, the verified claim set
        Assert.Equal(App, forwarded.Header("Origin"));
    }

    [Fact]
    public async Task Refusals_401_403_503_CarryTheCorsHeaders_SoTheBrowserAppCanReadThem()
    {
        using var unauthorized = await _gateway.Client.SendAsync(Get("/cors/orders", App, token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        AssertCorsAllowed(unauthorized, App);
        Assert.Equal("Bearer", Header(unauthorized, "WWW-Authenticate"));
        Assert.Contains("WWW-Authenticate", Header(unauthorized, "Access-Control-Expose-Headers") ?? "", StringComparison.Ordinal);
        Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);

        using var forbidden = await _gateway.Client.SendAsync(Get("/corsadmin/x", App, _fixture.Idp.Mint()));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        AssertCorsAllowed(forbidden, App);
        Assert.Contains("insufficient_scope", Header(forbidden, "WWW-Authenticate") ?? "", StringComparison.Ordinal);

        using var unavailable = await _gateway.Client.SendAsync(Get("/cors/x", App, _fixture.Idp.Mint(new Dictionary<string, object?> { ["iss"] = DeadIssuer })));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        AssertCorsAllowed(unavailable, App);

        using var refusedOrigin = await _gateway.Client.SendAsync(Get("/cors/orders", "https://evil.test", token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, refusedOrigin.StatusCode);
        AssertNoCors(refusedOrigin);
        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task Preflight_OnARouteWithoutCors_IsJudgedLikeAnyRequest()
    {
        // Protected: no token, 401, no CORS headers; the browser reports a CORS failure.
        using var protectedRoute = await _gateway.Client.SendAsync(Preflight("/api/orders", App));
        Assert.Equal(HttpStatusCode.Unauthorized, protectedRoute.StatusCode);
        AssertNoCors(protectedRoute);
        Assert.Empty(Downstream.Received);

        // Anonymous: forwarded, so the downstream answers CORS itself.
        using var anonymousRoute = await _gateway.Client.SendAsync(Preflight("/open/orders", App));
        Assert.Equal(HttpStatusCode.OK, anonymousRoute.StatusCode);
        Assert.Equal("OPTIONS", Downstream.Single().Method);
    }

    [Fact]
    public async Task DefaultRouteValue_UsesTheDefaultPolicy_AndOnlyOnItsRoutes()
    {
        using var allowed = await _gateway.Client.SendAsync(Preflight("/dflt/x", DefaultApp, "POST", "content-type"));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(DefaultApp, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Null(Header(allowed, "Access-Control-Allow-Credentials"));
        Assert.Equal("GET,HEAD,POST", Header(allowed, "Access-Control-Allow-Methods"));
        Assert.Equal("Authorization,Content-Type", Header(allowed, "Access-Control-Allow-Headers"));

        using var otherPolicy = await _gateway.Client.SendAsync(Preflight("/cors/x", DefaultApp));
        AssertNoCors(otherPolicy);

        // Routes without CorsPolicy never fall back to the Default policy.
        using var noCors = await _gateway.Client.SendAsync(Get("/api/x", DefaultApp, _fixture.Idp.Mint()));
        Assert.Equal(HttpStatusCode.OK, noCors.StatusCode);
        AssertNoCors(noCors);
        using var noCorsPreflight = await _gateway.Client.SendAsync(Preflight("/api/x", DefaultApp));
        Assert.Equal(HttpStatusCode.Unauthorized, noCorsPreflight.StatusCode);
        AssertNoCors(noCorsPreflight);
    }

    [Fact]
    public async Task Preflight_OnARouteLimitedToGet_IsAnswered_AndItsOtherMethodsStayUnrouted()
    {
        using var preflight = await _gateway.Client.SendAsync(Preflight("/getonly/x", App));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        AssertCorsAllowed(preflight, App);
        Assert.Empty(Downstream.Received);

        using var post = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/getonly/x"));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task ActualRequest_OnARouteWithoutCors_GetsNoCorsHeaders()
    {
        using var response = await _gateway.Client.SendAsync(Get("/api/orders", App, _fixture.Idp.Mint()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNoCors(response);
    }

    [Fact]
    public async Task DownstreamCorsHeaders_NeverWidenThePolicy()
    {
        await using var permissive = await PermissiveDownstream.StartAsync();
        var config = Config();
        config.Root["ReverseProxy"]!["Clusters"]!["permissive"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = permissive.BaseAddress } },
        };
        config.Route("wide", "public");
        config.Routes["wide"]!["ClusterId"] = "permissive";
        config.Routes["wide"]!["CorsPolicy"] = "web";
        await using var gateway = await config.StartAsync();

        using var refused = await gateway.Client.SendAsync(Get("/wide/x", "https://evil.test", token: null));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        AssertNoCors(refused);
        Assert.Null(Header(refused, "Access-Control-Expose-Headers"));
        Assert.Null(Header(refused, "Access-Control-Max-Age"));

        using var allowed = await gateway.Client.SendAsync(Get("/wide/x", App, token: null));
        AssertCorsAllowed(allowed, App);
        Assert.Equal("WWW-Authenticate,X-Request-Id", Header(allowed, "Access-Control-Expose-Headers"));
        Assert.Equal("yes", Header(allowed, "X-Downstream")); // the other headers still pass
    }

    [Fact]
    public async Task Reload_AppliesAChangedPolicy_ToPreflightsAndRefusals()
    {
        const string NewApp = "https://new-app.test";
        Assert.True(await _gateway.RewriteConfigAsync(Config(NewApp).Build()));

        using var nowAllowed = await _gateway.Client.SendAsync(Preflight("/cors/orders", NewApp));
        AssertCorsAllowed(nowAllowed, NewApp);
        using var nowRefused = await _gateway.Client.SendAsync(Preflight("/cors/orders", App));
        AssertNoCors(nowRefused);
        using var unauthorized = await _gateway.Client.SendAsync(Get("/cors/orders", NewApp, token: null));
        AssertCorsAllowed(unauthorized, NewApp);

        // A reload that breaks the policy is refused; the last good one keeps serving.
        var broken = Config(NewApp);
        broken.Gateway["Cors"]!["web"]!["AllowedOrigins"] = new JsonArray("*");
        Assert.False(await _gateway.RewriteConfigAsync(broken.Build()));
        Assert.Contains("Gateway:Cors:web:AllowedOrigins:0", _gateway.Logs.AllText(), StringComparison.Ordinal);
        using var still = await _gateway.Client.SendAsync(Preflight("/cors/orders", NewApp));
        AssertCorsAllowed(still, NewApp);
    }

    [Fact]
    public async Task Reload_AddsAndRemovesARoutesCorsPolicy()
    {
        var withCors = Config();
        withCors.Routes["api"]!["CorsPolicy"] = "web";
        Assert.True(await _gateway.RewriteConfigAsync(withCors.Build()));

        using var answered = await _gateway.Client.SendAsync(Preflight("/api/orders", App));
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        AssertCorsAllowed(answered, App);

        Assert.True(await _gateway.RewriteConfigAsync(Config().Build()));
        using var judged = await _gateway.Client.SendAsync(Preflight("/api/orders", App));
        Assert.Equal(HttpStatusCode.Unauthorized, judged.StatusCode);
        AssertNoCors(judged);
        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task Preflights_AreCounted_ByDecisionAndReason()
    {
        (await _gateway.Client.SendAsync(Preflight("/corsopen/a", App))).Dispose();
        (await _gateway.Client.SendAsync(Preflight("/corsopen/a", "https://evil.test"))).Dispose();
        (await _gateway.Client.SendAsync(Preflight("/corsopen/a", App, "PATCH"))).Dispose();
        (await _gateway.Client.SendAsync(Preflight("/corsopen/a", App, "GET", "authorization,x-secret"))).Dispose();

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        long Count(string decision, string reason) =>
            TelemetryCapture.Points(metrics, Metrics.CorsPreflights, (Tags.Route, "corsopen"), (Tags.CorsPolicy, "web"), (Tags.Decision, decision), (Tags.Reason, reason)).Sum(p => p.GetSumLong());
        Assert.Equal(1, Count("allowed", "none"));
        Assert.Equal(1, Count("refused", "origin_not_allowed"));
        Assert.Equal(1, Count("refused", "method_not_allowed"));
        Assert.Equal(1, Count("refused", "headers_not_allowed"));
        Assert.Empty(Downstream.Received); // never forwarded, even on an anonymous route

        // The preflights' server spans say what happened, with the same names.
        var span = await _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => s.GetTagItem(Tags.Reason) as string == "headers_not_allowed");
        Assert.Equal("corsopen", span.GetTagItem(Tags.Route));
        Assert.Equal("web", span.GetTagItem(Tags.CorsPolicy));
        Assert.Equal("preflight_refused", span.GetTagItem(Tags.Decision));
        Assert.Equal(HttpMethod.Options.Method, span.GetTagItem("http.request.method"));
    }

    /// <summary>A downstream that answers every request with its own, wide-open CORS headers.</summary>
    private sealed class PermissiveDownstream : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private PermissiveDownstream(WebApplication app, string baseAddress)
        {
            _app = app;
            BaseAddress = baseAddress;
        }

        public string BaseAddress { get; }

        public static async Task<PermissiveDownstream> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Run(context =>
            {
                context.Response.Headers["Access-Control-Allow-Origin"] = "*";
                context.Response.Headers["Access-Control-Allow-Credentials"] = "true";
                context.Response.Headers["Access-Control-Allow-Methods"] = "*";
                context.Response.Headers["Access-Control-Expose-Headers"] = "X-Internal";
                context.Response.Headers["Access-Control-Max-Age"] = "86400";
                context.Response.Headers["X-Downstream"] = "yes";
                return context.Response.WriteAsync("wide open");
            });
            await app.StartAsync();
            return new PermissiveDownstream(app, app.Urls.First().TrimEnd('/'));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
