using Gateway.Enforcement;

namespace Gateway.UnitTests.Security;

public sealed class RequestGuardTests
{
    [Theory]
    [InlineData("/api/orders")]
    [InlineData("/api/a.b/..c/...")]
    [InlineData("/")]
    [InlineData("")]
    public void CheckPath_Passes_CanonicalPaths(string path) => Assert.Null(RequestGuard.CheckPath(path));

    [Theory]
    [InlineData("/a/%2F/b")]
    [InlineData("/a/%2e%2e/b")]
    [InlineData("/a\\b")]
    [InlineData("/a//b")]
    [InlineData("/a/..;/b")]
    [InlineData("/a/.;p/b")]
    [InlineData("/a/../b")]
    [InlineData("/a/\u0000")]
    [InlineData("/a/\u007f")]
    public void CheckPath_Refuses_AmbiguousPaths(string path) => Assert.Equal(RequestGuard.AmbiguousPath, RequestGuard.CheckPath(path));

    [Fact]
    public void CheckFraming_Refuses_ContentLengthWithTransferEncoding_AndOddContentLengths()
    {
        Assert.Null(RequestGuard.CheckFraming([], hasTransferEncoding: true));
        Assert.Null(RequestGuard.CheckFraming(["42"], hasTransferEncoding: false));
        Assert.Equal(RequestGuard.AmbiguousFraming, RequestGuard.CheckFraming(["42"], hasTransferEncoding: true));
        Assert.Equal(RequestGuard.AmbiguousFraming, RequestGuard.CheckFraming([], hasTransferEncoding: true, hasMovedContentLength: true));
        Assert.Null(RequestGuard.CheckFraming([], hasTransferEncoding: false, hasMovedContentLength: true));
        Assert.Equal(RequestGuard.InvalidContentLength, RequestGuard.CheckFraming(["+42"], hasTransferEncoding: false));
        Assert.Equal(RequestGuard.InvalidContentLength, RequestGuard.CheckFraming(["4", "2"], hasTransferEncoding: false));
        Assert.Equal(RequestGuard.InvalidContentLength, RequestGuard.CheckFraming([""], hasTransferEncoding: false));
    }

    [Theory]
    [InlineData("/api/orders")]
    [InlineData("/api/v1.0/a b/.well-known/x")]
    [InlineData("/")]
    [InlineData("")]
    public void CheckSegments_Passes_OrdinarySegments(string path) => Assert.Null(RequestGuard.CheckSegments(path));

    [Theory]
    [InlineData("/api;x/admin", RequestGuard.PathParameters)]
    [InlineData("/api/admin;", RequestGuard.PathParameters)]
    [InlineData("/api/admin./x", RequestGuard.LooseSegment)]
    [InlineData("/api/admin/x.", RequestGuard.LooseSegment)]
    [InlineData("/api/admin /x", RequestGuard.LooseSegment)]
    [InlineData("/api/ admin/x", RequestGuard.LooseSegment)]
    [InlineData("/api/admin\u00a0/x", RequestGuard.LooseSegment)]
    [InlineData("/api/admin\u3000/x", RequestGuard.LooseSegment)]
    [InlineData("/api/.../x", RequestGuard.LooseSegment)]
    public void CheckSegments_Refuses_WhatDownstreamsNormalizeAway(string path, string reason) => Assert.Equal(reason, RequestGuard.CheckSegments(path));

    [Theory]
    [InlineData("/api;x/admin/secret", "/api/admin/secret")]
    [InlineData("/api/admin;jsessionid=1;a=b/secret;v", "/api/admin/secret")]
    [InlineData("/api/admin. . /x", "/api/admin/x")]
    [InlineData("/api/ admin\u00a0/x", "/api/admin/x")]
    [InlineData("/api/;x/admin", "/api//admin")]
    [InlineData("/api/..;x/admin", "/api/../admin")]
    [InlineData("/api/...;x/admin", "/api/.../admin")]
    [InlineData("/api/orders/", "/api/orders/")]
    public void NormalizeSegments_DropsParameters_AndTrimsDotsAndWhitespace(string path, string normalized) =>
        Assert.Equal(normalized, RequestGuard.NormalizeSegments(path));

    [Theory]
    [InlineData("/api/;x/admin")]
    [InlineData("/api/..;x/admin")]
    [InlineData("/api/...;x/admin")]
    [InlineData("/api/%20/admin")]
    public void NormalizeSegments_Result_IsCheckedAgain(string path)
    {
        var normalized = RequestGuard.NormalizeSegments(Uri.UnescapeDataString(path));

        Assert.NotNull(RequestGuard.CheckPath(normalized) ?? RequestGuard.CheckSegments(normalized));
    }

    [Theory]
    [InlineData("admin.example.com", null)]
    [InlineData("admin.example.com:8443", null)]
    [InlineData("127.0.0.1:5000", null)]
    [InlineData("[::1]:5000", null)]
    [InlineData("my_host-1", null)]
    [InlineData("admin.example.com.", "admin.example.com")]
    [InlineData("Admin.Example.COM", "admin.example.com")]
    [InlineData("ADMIN.example.com.:443", "admin.example.com:443")]
    public void CheckHost_Canonicalizes_PlainNames(string host, string? canonical)
    {
        Assert.Null(RequestGuard.CheckHost(host, out var result));
        Assert.Equal(canonical, result);
    }

    [Theory]
    [InlineData("admin.example.com..")]
    [InlineData("admin..example.com")]
    [InlineData(".admin.example.com")]
    [InlineData(".")]
    [InlineData(":443")]
    [InlineData("admin.example.com;x")]
    [InlineData("admin%2eexample.com")]
    [InlineData("admin.exämple.com")]
    public void CheckHost_Refuses_WhatIsNotAPlainName(string host) => Assert.Equal(RequestGuard.InvalidHost, RequestGuard.CheckHost(host, out _));

    [Theory]
    [InlineData("CONNECT", false, true)]
    [InlineData("connect", false, true)]
    [InlineData("CONNECT", true, false)]
    [InlineData("TRACE", false, true)]
    [InlineData("TRACK", false, true)]
    [InlineData("GET", false, false)]
    [InlineData("PROPFIND", false, false)]
    public void CheckMethod_Refuses_ConnectAndTrace_ButNotExtendedConnect(string method, bool extendedConnect, bool refused) =>
        Assert.Equal(refused, RequestGuard.CheckMethod(method, extendedConnect) is not null);
}
