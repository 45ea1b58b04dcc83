using Gateway.SenderConstraints;

namespace Gateway.UnitTests.SenderConstraints;

/// <summary>RFC 3986 §6.2.2/§6.2.3 normalisation of a proof's <c>htu</c> and of the request target it is compared with.</summary>
public sealed class HttpTargetUriTests
{
    [Theory]
    [InlineData("https://API.Example.COM/a/b", "https://api.example.com", "/a/b")]
    [InlineData("https://api.example.com:443/a", "https://api.example.com", "/a")]
    [InlineData("http://api.example.com:80", "http://api.example.com", "/")]
    [InlineData("https://api.example.com:8443/a?x=1#f", "https://api.example.com:8443", "/a")]
    [InlineData("https://api.example.com/%7euser/%2f", "https://api.example.com", "/~user/%2F")]
    [InlineData("https://api.example.com/a/./b/../c", "https://api.example.com", "/a/c")]
    [InlineData("https://[::1]:8080/a", "https://[::1]:8080", "/a")]
    public void Htu_IsNormalised(string htu, string origin, string path)
    {
        Assert.True(HttpTargetUri.TryParse(htu, out var actualOrigin, out var actualPath));
        Assert.Equal(origin, actualOrigin);
        Assert.Equal(path, actualPath);
    }

    [Theory]
    [InlineData("/a/b")]
    [InlineData("ftp://host/a")]
    [InlineData("https://user:pw@host/a")]
    [InlineData("")]
    public void Htu_ThatIsNotAnAbsoluteHttpUri_IsRefused(string htu) =>
        Assert.False(HttpTargetUri.TryParse(htu, out _, out _));

    [Theory]
    [InlineData("/a/%62?q=1", "/a/b")]
    [InlineData("/a/b#f", "/a/b")]
    [InlineData("http://host:8080/a/b?q", "/a/b")]
    [InlineData("/a/%c3%a9", "/a/%C3%A9")]
    [InlineData("", "/")]
    public void RequestTarget_IsNormalisedLikeTheHtu(string rawTarget, string path) =>
        Assert.Equal(path, HttpTargetUri.RequestPath(rawTarget));

    [Fact]
    public void BrokenEscape_IsNoPath() => Assert.Null(HttpTargetUri.NormalisePath("/a/%zz"));
}
