using Gateway.Configuration;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Tokens;

public sealed class TokenExtractorTests
{
    private static readonly TokenSourceOptions AllSources = new()
    {
        Headers = ["X-Access-Token", "X-Other-Token"],
        Cookies = ["session_token"],
        QueryParameters = ["access_token"],
    };

    private static HttpRequest Request(Action<HttpRequest>? configure = null)
    {
        var context = new DefaultHttpContext();
        configure?.Invoke(context.Request);
        return context.Request;
    }

    private static ExtractedToken Extract(TokenSourceOptions options, Action<HttpRequest> configure) =>
        new TokenExtractor(options).Extract(Request(configure));

    private static void AssertFound(ExtractedToken extracted, string token, TokenSourceKind source, string? name)
    {
        Assert.Equal(TokenStatus.Valid, extracted.Status);
        Assert.Equal(token, extracted.Token);
        Assert.Equal(source, extracted.Source);
        Assert.Equal(name, extracted.SourceName);
    }

    // ---- Authorization header ----

    [Theory]
    [InlineData("Bearer abc.def.ghi")]
    [InlineData("bearer abc.def.ghi")]
    [InlineData("BEARER abc.def.ghi")]
    [InlineData("Bearer   abc.def.ghi  ")]
    public void Reads_TheBearerToken_FromAuthorization(string header)
    {
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers.Authorization = header);

        AssertFound(extracted, "abc.def.ghi", TokenSourceKind.AuthorizationHeader, "Authorization");
    }

    [Fact]
    public void Reads_ABareBearerScheme_AsAnEmptyToken()
    {
        // Found but empty: validation then refuses it as malformed (401 invalid_token), never as missing.
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers.Authorization = "Bearer");

        AssertFound(extracted, "", TokenSourceKind.AuthorizationHeader, "Authorization");
    }

    [Theory]
    [InlineData("Basic YWxpY2U6c2VjcmV0")]
    [InlineData("DPoP abc")]
    [InlineData("Bearerabc")]
    [InlineData("abc.def.ghi")]
    [InlineData("")]
    public void Ignores_OtherAuthorizationSchemes(string header)
    {
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers.Authorization = header);

        Assert.Equal(TokenStatus.Missing, extracted.Status);
        Assert.Null(extracted.Token);
    }

    [Theory]
    [InlineData("DPoP abc.def.ghi")]
    [InlineData("dpop abc.def.ghi")]
    public void Reads_TheDpopScheme_WhenEnabled_MarkedAsDpop(string header)
    {
        var extracted = new TokenExtractor(new TokenSourceOptions(), dpopScheme: true).Extract(Request(r => r.Headers.Authorization = header));

        AssertFound(extracted, "abc.def.ghi", TokenSourceKind.AuthorizationHeader, "Authorization");
        Assert.True(extracted.IsDpop);
    }

    [Theory]
    [InlineData("DPoP\tabc")]
    [InlineData("DPoP abc def")]
    public void DpopScheme_WithLooseWhitespace_IsMalformed(string header)
    {
        var extracted = new TokenExtractor(new TokenSourceOptions(), dpopScheme: true).Extract(Request(r => r.Headers.Authorization = header));

        Assert.Equal(TokenStatus.Malformed, extracted.Status);
    }

    [Fact]
    public void DpopScheme_BesideACookieToken_IsAmbiguous()
    {
        var options = new TokenSourceOptions { Cookies = ["access_token"] };
        var extracted = new TokenExtractor(options, dpopScheme: true).Extract(Request(r =>
        {
            r.Headers.Authorization = "DPoP abc.def.ghi";
            r.Headers.Cookie = "access_token=x.y.z";
        }));

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
    }

    [Fact]
    public void Missing_WhenTheRequestCarriesNoToken()
    {
        var extracted = Extract(AllSources, _ => { });

        Assert.Equal(ExtractedToken.Missing, extracted);
    }

    [Fact]
    public void Ambiguous_WhenAuthorizationIsRepeated()
    {
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers.Authorization = new StringValues(["Bearer a", "Bearer b"]));

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
        Assert.Null(extracted.Token);
    }

    [Fact]
    public void Ambiguous_WhenAuthorizationIsRepeated_EvenWithOtherSchemes()
    {
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers.Authorization = new StringValues(["Basic x", "Bearer b"]));

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
    }

    [Fact]
    public void Ignores_Authorization_WhenThatSourceIsDisabled()
    {
        var options = new TokenSourceOptions { AuthorizationHeader = false, Headers = ["X-Access-Token"] };

        Assert.Equal(TokenStatus.Missing, Extract(options, r => r.Headers.Authorization = "Bearer a").Status);
        Assert.Equal(TokenStatus.Missing, Extract(options, r => r.Headers.Authorization = new StringValues(["Bearer a", "Bearer b"])).Status);
        AssertFound(Extract(options, r =>
        {
            r.Headers.Authorization = "Bearer a";
            r.Headers["X-Access-Token"] = "b";
        }), "b", TokenSourceKind.Header, "X-Access-Token");
    }

    // ---- custom headers ----

    [Theory]
    [InlineData("abc.def.ghi")]
    [InlineData("Bearer abc.def.ghi")]
    [InlineData("bearer abc.def.ghi")]
    [InlineData("  abc.def.ghi  ")]
    public void Reads_ACustomHeader_WithOrWithoutBearerPrefix(string value)
    {
        var extracted = Extract(AllSources, r => r.Headers["x-access-token"] = value);

        AssertFound(extracted, "abc.def.ghi", TokenSourceKind.Header, "X-Access-Token");
    }

    [Fact]
    public void Reads_TheSecondConfiguredHeader_WhenTheFirstIsAbsent()
    {
        var extracted = Extract(AllSources, r => r.Headers["X-Other-Token"] = "t2");

        AssertFound(extracted, "t2", TokenSourceKind.Header, "X-Other-Token");
    }

    [Fact]
    public void Ambiguous_WhenACustomHeaderIsRepeated()
    {
        var extracted = Extract(AllSources, r => r.Headers["X-Access-Token"] = new StringValues(["a", "b"]));

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
    }

    [Fact]
    public void Ambiguous_WhenACustomHeaderIsRepeated_EvenIfACookieAlsoHoldsAToken()
    {
        var extracted = Extract(AllSources, r =>
        {
            r.Headers["X-Access-Token"] = new StringValues(["a", "a"]);
            r.Headers.Cookie = "session_token=c";
        });

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
    }

    [Fact]
    public void Ignores_UnconfiguredCustomHeaders()
    {
        var extracted = Extract(new TokenSourceOptions(), r => r.Headers["X-Access-Token"] = "abc");

        Assert.Equal(TokenStatus.Missing, extracted.Status);
    }

    [Fact]
    public void Ignores_AnEmptyCustomHeader_AndTriesTheNextSource()
    {
        var extracted = Extract(AllSources, r =>
        {
            r.Headers["X-Access-Token"] = "";
            r.Headers.Cookie = "session_token=c";
        });

        AssertFound(extracted, "c", TokenSourceKind.Cookie, "session_token");
    }

    // ---- cookies ----

    [Fact]
    public void Reads_AConfiguredCookie()
    {
        var extracted = Extract(AllSources, r => r.Headers.Cookie = "other=1; session_token=abc.def.ghi");

        AssertFound(extracted, "abc.def.ghi", TokenSourceKind.Cookie, "session_token");
    }

    [Fact]
    public void Ignores_UnconfiguredOrEmptyCookies()
    {
        Assert.Equal(TokenStatus.Missing, Extract(new TokenSourceOptions(), r => r.Headers.Cookie = "session_token=abc").Status);
        Assert.Equal(TokenStatus.Missing, Extract(AllSources, r => r.Headers.Cookie = "session_token=").Status);
    }

    // ---- query parameters ----

    [Fact]
    public void NeverReads_TheQueryString_UnlessConfigured()
    {
        var options = new TokenSourceOptions { Headers = ["X-Access-Token"], Cookies = ["session_token"] };

        var extracted = Extract(options, r => r.QueryString = new QueryString("?access_token=abc&token=def&bearer=ghi"));

        Assert.Equal(TokenStatus.Missing, extracted.Status);
    }

    [Fact]
    public void Reads_AConfiguredQueryParameter()
    {
        var extracted = Extract(AllSources, r => r.QueryString = new QueryString("?a=1&access_token=abc.def.ghi"));

        AssertFound(extracted, "abc.def.ghi", TokenSourceKind.QueryParameter, "access_token");
    }

    [Fact]
    public void Ambiguous_WhenAQueryParameterIsRepeated()
    {
        var extracted = Extract(AllSources, r => r.QueryString = new QueryString("?access_token=a&access_token=b"));

        Assert.Equal(TokenStatus.Ambiguous, extracted.Status);
    }

    [Fact]
    public void Reads_AnEmptyQueryParameter_AsAnEmptyToken()
    {
        var extracted = Extract(AllSources, r => r.QueryString = new QueryString("?access_token="));

        AssertFound(extracted, "", TokenSourceKind.QueryParameter, "access_token");
    }

    // ---- order ----

    [Fact]
    public void Reads_EachCarrier_WhenItIsTheOnlyOne()
    {
        AssertFound(Extract(AllSources, r => r.Headers.Authorization = "Bearer from-authorization"), "from-authorization", TokenSourceKind.AuthorizationHeader, "Authorization");
        AssertFound(Extract(AllSources, r => r.Headers["X-Access-Token"] = "from-header"), "from-header", TokenSourceKind.Header, "X-Access-Token");
        AssertFound(Extract(AllSources, r => r.Headers.Cookie = "session_token=from-cookie"), "from-cookie", TokenSourceKind.Cookie, "session_token");
        AssertFound(Extract(AllSources, r => r.QueryString = new QueryString("?access_token=from-query")), "from-query", TokenSourceKind.QueryParameter, "access_token");
    }

    // ---- ambiguity: the gateway must check the token the downstream reads ----

    public static TheoryData<string, Action<HttpRequest>> TwoCarriers() => new()
    {
        { "Authorization and a cookie", r => { r.Headers.Authorization = "Bearer a"; r.Headers.Cookie = "session_token=b"; } },
        { "Authorization and a cookie, same token", r => { r.Headers.Authorization = "Bearer a"; r.Headers.Cookie = "session_token=a"; } },
        { "Authorization and a custom header", r => { r.Headers.Authorization = "Bearer a"; r.Headers["X-Access-Token"] = "b"; } },
        { "Authorization and a query parameter", r => { r.Headers.Authorization = "Bearer a"; r.QueryString = new QueryString("?access_token=b"); } },
        { "Authorization and an empty query parameter", r => { r.Headers.Authorization = "Bearer a"; r.QueryString = new QueryString("?access_token="); } },
        { "two custom headers", r => { r.Headers["X-Access-Token"] = "a"; r.Headers["X-Other-Token"] = "b"; } },
        { "a custom header and a query parameter", r => { r.Headers["X-Access-Token"] = "a"; r.QueryString = new QueryString("?access_token=b"); } },
        { "a cookie and a query parameter", r => { r.Headers.Cookie = "session_token=a"; r.QueryString = new QueryString("?ACCESS_TOKEN=b"); } },
        { "Bearer<TAB> beside a cookie", r => { r.Headers.Authorization = "Bearer\tforged"; r.Headers.Cookie = "session_token=b"; } },
        { "a cookie twice", r => r.Headers.Cookie = "session_token=a; session_token=b" },
        { "a cookie twice, case variants", r => r.Headers.Cookie = "session_token=F; SESSION_TOKEN=V" },
        { "a cookie twice, comma separated", r => r.Headers.Cookie = "x=1, session_token=F; session_token=V" },
        { "a cookie twice, RFC 2109 attribute", r => r.Headers.Cookie = "$session_token=F; session_token=V" },
        { "a cookie twice, space before =", r => r.Headers.Cookie = "session_token =F; session_token=V" },
        { "a cookie twice, in two Cookie headers", r => r.Headers.Cookie = new StringValues(["session_token=F", "session_token=V"]) },
        { "a cookie twice, one inside a quoted value", r => r.Headers.Cookie = "x=\"a; session_token=F\"; session_token=V" },
        { "a query parameter twice, case variants", r => r.QueryString = new QueryString("?access_token=a&ACCESS_TOKEN=b") },
        { "a query parameter hidden behind ;", r => r.QueryString = new QueryString("?x=1;access_token=b") },
        { "a query parameter with an encoded name", r => r.QueryString = new QueryString("?access%5Ftoken=b") },
        { "a query parameter twice, encoded name", r => r.QueryString = new QueryString("?access_token=a&access%5Ftoken=b") },
    };

    [Theory]
    [MemberData(nameof(TwoCarriers))]
    public void Ambiguous_WhenTwoCarriersOrTwoCopiesOfOneArePresent(string because, Action<HttpRequest> configure)
    {
        Assert.True(Extract(AllSources, configure).Status == TokenStatus.Ambiguous, because);
    }

    [Theory]
    [InlineData("other_session_token=a; session_token=b")]
    [InlineData("session_tokens=a; session_token=b")]
    [InlineData("x=session_token; session_token=b")]
    public void NotAmbiguous_ForCookiesWhoseNameOnlyContainsTheCarriersName(string cookie)
    {
        AssertFound(Extract(AllSources, r => r.Headers.Cookie = cookie), "b", TokenSourceKind.Cookie, "session_token");
    }

    [Theory]
    [InlineData("Bearer\tabc.def.ghi")]
    [InlineData("Bearer abc.def.ghi extra")]
    [InlineData("Bearer abc\tdef")]
    public void Malformed_WhenABearerTokenIsNotOneSpaceSeparatedWord(string header)
    {
        var extracted = Extract(AllSources, r => r.Headers.Authorization = header);

        Assert.Equal(TokenStatus.Malformed, extracted.Status);
        Assert.Null(extracted.Token);
    }

    [Fact]
    public void FallsThrough_ANonBearerAuthorization_ToTheNextSource()
    {
        var extracted = Extract(AllSources, r =>
        {
            r.Headers.Authorization = "Basic YWxpY2U6c2VjcmV0";
            r.Headers.Cookie = "session_token=c";
        });

        AssertFound(extracted, "c", TokenSourceKind.Cookie, "session_token");
    }

    [Fact]
    public void Throws_OnNullArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new TokenExtractor(null!));
        Assert.Throws<ArgumentNullException>(() => new TokenExtractor(new TokenSourceOptions()).Extract(null!));
    }
}
