using Gateway.Enforcement;
using Gateway.Enforcement.Refusals;
using Gateway.Policies;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Enforcement;

/// <summary>The gRPC form of a refusal: which requests get it, the status mapping, and the grpc-message encoding.</summary>
public sealed class GrpcRefusalWriterTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc+json", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web+proto", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType(string? contentType, bool expected)
    {
        Assert.Equal(expected, GrpcRefusalWriter.IsGrpcContentType(contentType));
    }

    [Theory]
    [InlineData(400, 3)]
    [InlineData(401, 16)]
    [InlineData(403, 7)]
    [InlineData(405, 12)]
    [InlineData(429, 8)]
    [InlineData(503, 14)]
    [InlineData(500, 2)]
    public void StatusFor(int http, int grpc)
    {
        Assert.Equal(grpc, GrpcRefusalWriter.StatusFor(http));
    }

    [Theory]
    [InlineData("A bearer token is required.", "A bearer token is required.")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("caf\u00e9", "caf%C3%A9")]
    [InlineData("~ and space", "~ and space")]
    [InlineData("\u007f", "%7F")]
    public void PercentEncode_FollowsTheGrpcSpecification(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcRefusalWriter.PercentEncode(message));
    }

    [Fact]
    public async Task AGrpcRefusal_IsHttp200_TrailersOnly_AndKeepsTheChallenge()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        var body = new MemoryStream();
        context.Response.Body = body;

        await ChallengeWriter.WriteAsync(context, RefusalTable.For(PolicyDecision.Forbidden, "corp", "orders:read"));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("7", context.Response.Headers["grpc-status"].ToString());
        Assert.Equal("The token does not grant access to this resource.", context.Response.Headers["grpc-message"].ToString());
        Assert.Contains("insufficient_scope", context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        Assert.Equal(0, body.Length);
    }

    [Fact]
    public async Task AnHttpRefusal_StaysProblemJson()
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        var body = new MemoryStream();
        context.Response.Body = body;

        await ChallengeWriter.WriteAsync(context, RefusalTable.For(PolicyDecision.Forbidden, "corp", null));

        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal(ChallengeWriter.ProblemContentType, context.Response.ContentType);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
        Assert.True(body.Length > 0);
    }
}
