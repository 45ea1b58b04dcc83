using Gateway.Enforcement;

namespace Gateway.Tests.Security;

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
}
