using Gateway.Cors;

namespace Gateway.UnitTests.Cors;

/// <summary>Allowed origins compiled once, matched against the Origin header exactly as a browser sends it.</summary>
public sealed class OriginMatcherTests
{
    private static OriginMatcher Matcher(params string[] patterns) =>
        new(patterns.Select(p => OriginPattern.TryParse(p, out var error) ?? throw new InvalidOperationException(error)));

    [Theory]
    [InlineData("https://app.example.com", true)]
    [InlineData("https://a.example.com", true)] // wildcard
    [InlineData("https://a.b.example.com", true)] // any depth
    [InlineData("https://example.com", false)] // never the domain itself
    [InlineData("https://evil-example.com", false)]
    [InlineData("https://a.example.com.evil.test", false)]
    [InlineData("http://a.example.com", false)] // another scheme
    [InlineData("https://a.example.com:8443", false)] // another port
    [InlineData("https://A.example.com", false)] // browsers send lowercase: anything else is not a browser's
    [InlineData("https://.example.com", false)]
    [InlineData("https://a..example.com", false)]
    [InlineData("https://a_b.example.com", false)]
    [InlineData("https://a.example.com/", false)]
    [InlineData("https://app.example.com/", false)]
    [InlineData("http://localhost:3000", true)]
    [InlineData("http://localhost:3001", false)]
    [InlineData("http://localhost", false)]
    [InlineData("https://x.apps.example.net:8443", true)]
    [InlineData("https://x.apps.example.net", false)]
    [InlineData("null", false)]
    [InlineData("", false)]
    public void MatchesExactAndWildcardOrigins(string origin, bool allowed)
    {
        var matcher = Matcher("https://app.example.com", "https://*.example.com", "http://localhost:3000", "https://*.apps.example.net:8443");

        Assert.Equal(allowed, matcher.IsAllowed(origin));
    }

    [Theory]
    [InlineData("https://*.example.com", "https", "example.com", null, true)]
    [InlineData("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, false)]
    [InlineData("http://[::1]:5000", "http", "[::1]", 5000, false)]
    [InlineData("capacitor://localhost", "capacitor", "localhost", null, false)]
    public void Parses(string text, string scheme, string host, int? port, bool wildcard)
    {
        var pattern = OriginPattern.TryParse(text, out var error);

        Assert.Null(error);
        Assert.Equal(new OriginPattern(scheme, host, port, wildcard), pattern);
    }
}
