using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>
/// Issue 10 §4: the token the gateway checks is the only token the downstream can read. With every carrier configured
/// (Authorization, a custom header, a cookie, a query parameter), a request offering two tokens, or one token twice, is
/// refused (400) and nothing is forwarded; on an allowed request every other carrier is removed before forwarding.
/// </summary>
public sealed class TokenCarrierTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public TokenCarrierTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _fixture.Config()
            .Set("TokenSources", new JsonObject
            {
                ["Headers"] = new JsonArray("X-Access-Token"),
                ["Cookies"] = new JsonArray("access_token"),
                ["QueryParameters"] = new JsonArray("access_token"),
            })
            .StartAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    // A valid token (V) and a forged one (F) the downstream must never be offered.
    private string Valid() => _fixture.Idp.Mint();

    private static string Forged() => RawJwt.Encode(new { alg = "none" }, new { sub = "admin", roles = "admin" });

    public static TheoryData<string, string, string> Ambiguous() => new()
    {
        { "case-variant cookie names", "/api/x", "Cookie: access_token={F}; ACCESS_TOKEN={V}\n" },
        { "the same cookie twice, same token", "/api/x", "Cookie: access_token={V}; access_token={V}\n" },
        { "the same cookie in two Cookie headers", "/api/x", "Cookie: access_token={V}\nCookie: access_token={F}\n" },
        { "a comma-separated second cookie", "/api/x", "Cookie: theme=dark, access_token={F}; access_token={V}\n" },
        { "Bearer<TAB> beside a cookie", "/api/x", "Authorization: Bearer\t{F}\nCookie: access_token={V}\n" },
        { "Authorization beside a custom header", "/api/x", "Authorization: Bearer {V}\nX-Access-Token: {F}\n" },
        { "Authorization beside a query token", "/api/x?access_token={F}", "Authorization: Bearer {V}\n" },
        { "Authorization beside the same query token", "/api/x?access_token={V}", "Authorization: Bearer {V}\n" },
        { "a custom header beside a cookie", "/api/x", "X-Access-Token: {V}\nCookie: access_token={F}\n" },
        { "a query token hidden behind ;", "/api/x?x=1;access_token={F}", "Authorization: Bearer {V}\n" },
        { "a query token twice, case variants", "/api/x?access_token={V}&ACCESS_TOKEN={F}", "" },
    };

    [Theory]
    [MemberData(nameof(Ambiguous))]
    public async Task AmbiguousCarriers_Get400_AndNothingIsForwarded(string because, string target, string headers)
    {
        var response = await SendAsync(target, headers);

        Assert.True(response.Status == 400, $"{because}: {response.Status}");
        Assert.Contains("invalid_request", response.Head, StringComparison.Ordinal);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task BearerWithATab_Alone_IsAMalformedToken()
    {
        var response = await SendAsync("/api/x", "Authorization: Bearer\t{V}\n");

        Assert.Equal(401, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task VerifiedAuthorization_IsTheOnlyCarrierForwarded()
    {
        var token = Valid();

        var response = await SendAsync("/api/x?x=1;y=2", $"Authorization: Bearer {token}\nX_Access_Token: {{F}}\nCookie: theme=dark; access_token=\n");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.Equal($"Bearer {token}", received.Header("Authorization"));
        Assert.False(received.HasHeader("X_Access_Token"));
        Assert.False(received.HasHeader("X-Access-Token"));
        Assert.Equal("theme=dark", received.Header("Cookie"));
        Assert.DoesNotContain("access_token=", received.Query, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Forged(), received.Query + string.Join(",", received.Headers.Values.SelectMany(v => v)), StringComparison.Ordinal);
        Assert.Equal("?x=1;y=2", received.Query);
    }

    [Fact]
    public async Task VerifiedCookie_IsKept_AndAnotherAuthorizationSchemeIsRemoved()
    {
        var token = Valid();

        var response = await SendAsync("/api/x", $"Authorization: Basic YWRtaW46YWRtaW4=\nCookie: theme=dark; access_token={token}\n");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.False(received.HasHeader("Authorization"));
        Assert.Equal($"theme=dark; access_token={token}", received.Header("Cookie"));
    }

    // {V} and {F} in the target and headers stand for a valid and a forged token.
    private Task<RawResponse> SendAsync(string target, string headers)
    {
        var (valid, forged) = (Valid(), Forged());
        string Fill(string text) => text.Replace("{V}", valid, StringComparison.Ordinal).Replace("{F}", forged, StringComparison.Ordinal);
        return RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET {Fill(target)} HTTP/1.1\nHost: t\n{Fill(headers)}Connection: close\n");
    }
}
