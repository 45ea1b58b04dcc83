using Gateway.Configuration;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Tokens;

public sealed class TokenCarrierScrubberTests
{
    private static readonly TokenSourceOptions AllSources = new()
    {
        Headers = ["X-Access-Token"],
        Cookies = ["session_token"],
        QueryParameters = ["access_token"],
    };

    private static HttpRequest Scrub(TokenSourceOptions options, Action<HttpRequest> configure)
    {
        var request = new DefaultHttpContext().Request;
        configure(request);
        var extractor = new TokenExtractor(options);
        var extracted = extractor.Extract(request);
        Assert.Equal(TokenStatus.Valid, extracted.Status);
        extractor.Scrubber.RemoveOtherCarriers(request, extracted);
        return request;
    }

    [Fact]
    public void KeepsTheVerifiedAuthorization_AndRemovesEveryOtherCarrier()
    {
        var request = Scrub(AllSources, r =>
        {
            r.Headers.Authorization = "Bearer verified";
            r.Headers["X-Access-Token"] = "";
            r.Headers["x_access_token"] = "hidden";
            r.Headers.Cookie = "theme=dark; session_token=; other=1";
            r.QueryString = new QueryString("?a=1&b=two%20words");
        });

        Assert.Equal("Bearer verified", request.Headers.Authorization);
        Assert.False(request.Headers.ContainsKey("X-Access-Token"));
        Assert.False(request.Headers.ContainsKey("x_access_token"));
        Assert.Equal("theme=dark; other=1", request.Headers.Cookie);
        Assert.Equal("?a=1&b=two%20words", request.QueryString.Value);
    }

    [Fact]
    public void KeepsTheVerifiedCookie_AndRemovesAuthorization_WhateverItsScheme_EvenWhenThatSourceIsDisabled()
    {
        var cookiesOnly = new TokenSourceOptions { AuthorizationHeader = false, Cookies = ["session_token"] };

        var request = Scrub(cookiesOnly, r =>
        {
            r.Headers.Authorization = "Bearer unchecked";
            r.Headers.Cookie = "session_token=verified; theme=dark";
        });

        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.Equal("session_token=verified; theme=dark", request.Headers.Cookie);
    }

    [Fact]
    public void LeavesACookieHeaderUntouched_WhenNoOtherCarrierIsNamed()
    {
        var original = new StringValues("a=1;b=2 ; session_token=verified");

        var request = Scrub(AllSources, r => r.Headers.Cookie = original);

        Assert.Equal(original, request.Headers.Cookie);
    }

    [Fact]
    public void RebuildsTheQuery_WhenItMerelyNamesACarrier_KeepingEveryValue()
    {
        var request = Scrub(AllSources, r =>
        {
            r.Headers.Authorization = "Bearer verified";
            r.QueryString = new QueryString("?next=/x%3Faccess_token%3D1&a=1");
        });

        Assert.Equal("Bearer verified", request.Headers.Authorization);
        Assert.Equal("/x?access_token=1", request.Query["next"]);
        Assert.Equal("1", request.Query["a"]);
        Assert.False(request.Query.ContainsKey("access_token"));
    }
}
