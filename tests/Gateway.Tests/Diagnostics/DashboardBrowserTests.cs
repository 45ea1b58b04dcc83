using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// The operator dashboard in a real browser: Chromium (the system's, driven by Playwright through its executable path,
/// as in the CORS browser test) signs in with HTTP Basic on the management listener, sees the configured routes and
/// issuers, watches the decision counts move after traffic without reloading the page, and explains a denial through
/// the form, which shows the failed requirement; the public listener does not serve the page. Chromium missing is a
/// failure, not a skip: tests/run.sh installs it.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private static readonly float Timeout = 15_000;

    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;
    private HeadlessChromium? _chromium;
    private string _managementOrigin = "";

    public DashboardBrowserTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        HeadlessChromium.EnsureInstalled("dashboard browser test");

        var port = FreePort.Next();
        _managementOrigin = $"http://127.0.0.1:{port}";
        var config = _fixture.Config()
            .Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Policy("writers", new JsonObject { ["Scopes"] = new JsonArray("orders:write") })
            .Route("console", "admins", new JsonObject { ["ShadowPolicy"] = "writers" })
            .Set("Management", new JsonObject { ["Url"] = _managementOrigin })
            .Set("Diagnostics", new JsonObject { ["Dashboard"] = new JsonObject { ["Enabled"] = true, ["ApiKey"] = DashboardEndpointTests.ApiKey } });
        _gateway = await config.StartAsync();
        using (var management = new HttpClient { BaseAddress = new Uri(_managementOrigin) })
        {
            await Eventually.HoldsAsync(async () => (await management.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "not ready");
        }

        _chromium = await HeadlessChromium.LaunchAsync(Timeout);
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
    }

    private async Task<IPage> OpenAsync(string origin)
    {
        var context = await _chromium!.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "operator", Password = DashboardEndpointTests.ApiKey },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        return page;
    }

    private static async Task<long> CountAsync(IPage page, string decision, string reason)
    {
        var cell = page.Locator("#decisions tbody tr").Filter(new LocatorFilterOptions { HasText = decision }).Filter(new LocatorFilterOptions { HasText = reason }).Locator("td.num");
        return await cell.CountAsync() == 0 ? 0 : long.Parse(await cell.First.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Dashboard_ShowsRoutesAndIssuers_CountsMove_AndExplainsADenial()
    {
        var page = await OpenAsync(_managementOrigin);
        var response = await page.GotoAsync(_managementOrigin + "/dashboard");
        Assert.Equal(200, response!.Status);

        // Routes and issuers, server-rendered.
        var route = page.Locator("#routes tbody tr").Filter(new LocatorFilterOptions { HasText = "console" });
        await Assertions.Expect(route).ToContainTextAsync("admins");
        await Assertions.Expect(route).ToContainTextAsync("writers");
        await Assertions.Expect(route).ToContainTextAsync("X-User-Id");
        var issuer = page.Locator("#issuers tbody tr").First;
        await Assertions.Expect(issuer).ToContainTextAsync("test");
        await Assertions.Expect(issuer).ToContainTextAsync(_fixture.Idp.Issuer);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("updated"); // the poll ran

        // Traffic: counts move without a reload (the same page object; no navigation).
        var allowedBefore = await CountAsync(page, "allow", "none");
        var forbiddenBefore = await CountAsync(page, "forbidden", "policy_not_satisfied");
        var user = _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = new[] { "user" } });
        var admin = _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = new[] { "admin" } });
        Assert.Equal(HttpStatusCode.Forbidden, (await _gateway.Client.GetWithTokenAsync("/console/x", user)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/console/x", admin)).StatusCode);
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;
        await Assertions.Expect(page.Locator("#decisions tbody tr").Filter(new LocatorFilterOptions { HasText = "policy_not_satisfied" }).Locator("td.num"))
            .ToHaveTextAsync((forbiddenBefore + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await CountAsync(page, "allow", "none") >= allowedBefore + 1);
        await Assertions.Expect(page.Locator("#shadow tbody tr.disagree")).ToContainTextAsync("console"); // the admin's token lacks orders:write
        Assert.Equal(0, navigations);

        // The explain form: a denial's failed requirement.
        await page.Locator("input[name=url]").FillAsync("/console/reports");
        await page.Locator("textarea[name=token]").FillAsync(user);
        await page.Locator("#explain-form button[type=submit]").ClickAsync();
        var result = page.Locator("#explain-result");
        await Assertions.Expect(result).ToContainTextAsync("403 forbidden (policy_not_satisfied)");
        await Assertions.Expect(result).ToContainTextAsync("Gateway:Policies:admins:Roles:0: role \"admin\" in claim roles");
        await Assertions.Expect(page.Locator("#explain-requirements tr").Filter(new LocatorFilterOptions { HasText = "Roles:0" }).Locator("td.fail")).ToHaveTextAsync("fail");
        Assert.DoesNotContain(_gateway.Logs.Lines, l => l.Message.Contains(user, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublicListener_DoesNotServeTheDashboard()
    {
        var publicOrigin = _gateway.Urls[0].GetLeftPart(UriPartial.Authority);
        var page = await OpenAsync(publicOrigin);

        // Chromium shows its own error page for the empty 404 (or the 404 itself): never the dashboard.
        try
        {
            var response = await page.GotoAsync(publicOrigin + "/dashboard");
            Assert.Equal(404, response!.Status);
        }
        catch (PlaywrightException ex) when (ex.Message.Contains("ERR_HTTP_RESPONSE_CODE_FAILURE", StringComparison.Ordinal))
        {
        }

        Assert.Equal(0, await page.Locator("#routes").CountAsync());
        foreach (var path in new[] { "/dashboard", "/dashboard/state", "/dashboard/dashboard.js" })
        {
            var direct = await page.Context.APIRequest.GetAsync(publicOrigin + path); // with the browser's credentials
            Assert.Equal(404, direct.Status);
        }
    }
}
