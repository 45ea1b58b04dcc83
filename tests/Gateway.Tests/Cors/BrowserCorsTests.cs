using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Gateway.Tests.Cors;

/// <summary>
/// CORS proven in a real browser: Chromium (the system's, driven by Playwright through its executable path) loads a
/// page from one origin and calls a protected route of the gateway, on another origin, with <c>fetch</c>
/// (<c>credentials: 'include'</c> and an <c>Authorization</c> header, so the browser sends a preflight first), and
/// reads the 200, 401 and 403 answers, their problem JSON and, through the exposed headers, <c>WWW-Authenticate</c>.
/// A page from an origin the policy does not list cannot read anything. Chromium missing is a failure, not a skip:
/// tests/run.sh installs it.
/// </summary>
public sealed class BrowserCorsTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private TestPage _page = null!;
    private TestPage _otherPage = null!;
    private GatewayInstance _gateway = null!;
    private HeadlessChromium? _chromium;

    public BrowserCorsTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        HeadlessChromium.EnsureInstalled("CORS browser test");

        _fixture.Downstream.Clear();
        _page = await TestPage.StartAsync();
        _otherPage = await TestPage.StartAsync();
        var config = _fixture.Config()
            .Policy("admin", new JsonObject { ["Scopes"] = new JsonArray("admin") })
            .Route("orders", null)
            .Route("admin", "admin");
        config.Gateway["Cors"] = new JsonObject
        {
            ["spa"] = new JsonObject
            {
                ["AllowedOrigins"] = new JsonArray(_page.Origin),
                ["AllowedHeaders"] = new JsonArray("Authorization"),
                ["AllowCredentials"] = true,
            },
        };
        config.Routes["orders"]!["CorsPolicy"] = "spa";
        config.Routes["admin"]!["CorsPolicy"] = "spa";
        _gateway = await config.StartAsync();

        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_page is not null)
        {
            await _page.DisposeAsync();
        }

        if (_otherPage is not null)
        {
            await _otherPage.DisposeAsync();
        }
    }

    private string GatewayOrigin => _gateway.Urls[0].GetLeftPart(UriPartial.Authority);

    /// <summary>Opens <paramref name="page"/> in the browser and runs its <c>call(url, token)</c>: what the page could read.</summary>
    private async Task<JsonElement> CallFromPageAsync(TestPage page, string path, string? token)
    {
        var tab = await _chromium!.Browser.NewPageAsync();
        try
        {
            await tab.GotoAsync(page.Origin + "/");
            return await tab.EvaluateAsync<JsonElement>("([url, token]) => call(url, token)", new object?[] { GatewayOrigin + path, token });
        }
        finally
        {
            await tab.CloseAsync();
        }
    }

    [Fact]
    public async Task BrowserPage_OnAnotherOrigin_Reads200_401_403_AndTheChallenge()
    {
        Assert.NotEqual(_page.Origin, GatewayOrigin);

        var ok = await CallFromPageAsync(_page, "/orders/list", _fixture.Idp.Mint());
        Assert.True(ok.GetProperty("read").GetBoolean(), ok.ToString());
        Assert.Equal(200, ok.GetProperty("status").GetInt32());
        Assert.Equal("downstream ok", ok.GetProperty("body").GetString());

        var unauthorized = await CallFromPageAsync(_page, "/orders/list", token: null);
        Assert.True(unauthorized.GetProperty("read").GetBoolean(), unauthorized.ToString());
        Assert.Equal(401, unauthorized.GetProperty("status").GetInt32());
        Assert.Equal("Bearer", unauthorized.GetProperty("wwwAuthenticate").GetString());
        Assert.Equal(401, JsonDocument.Parse(unauthorized.GetProperty("body").GetString()!).RootElement.GetProperty("status").GetInt32());

        var invalid = await CallFromPageAsync(_page, "/orders/list", "not-a-token");
        Assert.Equal(401, invalid.GetProperty("status").GetInt32());
        Assert.Contains("invalid_token", invalid.GetProperty("wwwAuthenticate").GetString(), StringComparison.Ordinal);

        var forbidden = await CallFromPageAsync(_page, "/admin/users", _fixture.Idp.Mint());
        Assert.True(forbidden.GetProperty("read").GetBoolean(), forbidden.ToString());
        Assert.Equal(403, forbidden.GetProperty("status").GetInt32());
        Assert.Contains("insufficient_scope", forbidden.GetProperty("wwwAuthenticate").GetString(), StringComparison.Ordinal);
        var problem = JsonDocument.Parse(forbidden.GetProperty("body").GetString()!).RootElement;
        Assert.Equal("Forbidden", problem.GetProperty("title").GetString());

        // The browser sent preflights (the Authorization header is not safelisted); the gateway answered them: only
        // the one allowed GET reached the downstream.
        var received = Assert.Single(_fixture.Downstream.Received);
        Assert.Equal("GET", received.Method);
        Assert.Equal(_page.Origin, received.Header("Origin"));
    }

    [Fact]
    public async Task BrowserPage_OnAnOriginThePolicyDoesNotList_CannotReadAnything()
    {
        var refused = await CallFromPageAsync(_otherPage, "/orders/list", _fixture.Idp.Mint());
        Assert.False(refused.GetProperty("read").GetBoolean(), refused.ToString());
        Assert.Contains("Failed to fetch", refused.GetProperty("error").GetString(), StringComparison.Ordinal);

        var refusedSimple = await CallFromPageAsync(_otherPage, "/orders/list", token: null);
        Assert.False(refusedSimple.GetProperty("read").GetBoolean(), refusedSimple.ToString());

        // The preflight was refused by the gateway: the GET with the token was never sent.
        Assert.Empty(_fixture.Downstream.Received);
    }

    /// <summary>A page server on its own loopback origin, serving the calling page.</summary>
    private sealed class TestPage : IAsyncDisposable
    {
        // fetch with credentials and, when given, a bearer token; reports what the page can read.
        private const string Html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>CORS test page</title></head><body>
            <script>
            async function call(url, token) {
              const headers = token ? { 'Authorization': 'Bearer ' + token } : {};
              try {
                const response = await fetch(url, { method: 'GET', credentials: 'include', headers });
                return { read: true, status: response.status, body: await response.text(), wwwAuthenticate: response.headers.get('WWW-Authenticate') };
              } catch (e) {
                return { read: false, error: String(e) };
              }
            }
            </script>
            </body></html>
            """;

        private readonly WebApplication _app;

        private TestPage(WebApplication app, string origin)
        {
            _app = app;
            Origin = origin;
        }

        public string Origin { get; }

        public static async Task<TestPage> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Run(context =>
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync(Html);
            });
            await app.StartAsync();
            return new TestPage(app, new Uri(app.Urls.First()).GetLeftPart(UriPartial.Authority));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
