using Microsoft.Playwright;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (or <c>GATEWAY_TEST_CHROMIUM</c>), headless, driven by Playwright: the real browser the
/// browser-facing tests run in. Playwright cannot download a browser here, so the installed one is launched by path
/// with the flags this machine needs (no sandbox as root, no background network). Missing → the test fails, never skips.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>GATEWAY_TEST_CHROMIUM, else Debian's /usr/bin/chromium.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("GATEWAY_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Fails <paramref name="test"/> at once, before anything else starts, when the browser is not installed.</summary>
    public static void EnsureInstalled(string test)
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail($"Chromium was not found at {ExecutablePath}: install it (apt-get install chromium; tests/run.sh does) or set GATEWAY_TEST_CHROMIUM. The {test} never skips.");
        }
    }

    /// <param name="timeout">Launch timeout in milliseconds; Playwright's default when null.</param>
    public static async Task<HeadlessChromium> LaunchAsync(float? timeout = null)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Timeout = timeout,
                Args = Flags,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
