using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// What reaches the downstream: client-sent identity headers are always removed, claim headers are
/// set only from verified claims and encoded so they can never split a header.
/// </summary>
public sealed class ClaimHeaderForwardingTests : IAsyncLifetime, IClassFixture<SharedGatewayFixture>
{
    // Every header name any policy or route of the standard configuration sets, plus StripHeaders.
    private static readonly string[] OwnedHeaders =
    [
        "X-User-Id", "X-Groups", "X-Tenant", "X-Level", "X-Verified", "X-Org", "X-Name",
        "X-Policy-Only", "X-Route-Only", "X-Internal-Secret", "X-Debug-User",
    ];

    private readonly SharedGatewayFixture _shared;
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public ClaimHeaderForwardingTests(SharedGatewayFixture shared)
    {
        _shared = shared;
        _fixture = shared.Integration;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    private RecordingDownstream Downstream => _fixture.Downstream;

    public async Task InitializeAsync()
    {
        Downstream.Clear();
        _gateway = await _shared.GatewayAsync(() => StandardConfig().StartAsync()); // one for the class: the tests only send requests
    }

    // The gateway belongs to the class (SharedGatewayFixture disposes it).
    public Task DisposeAsync() => Task.CompletedTask;

    private TestConfig StandardConfig() => _fixture.Config()
        .ClaimHeaders(
            ("X-User-Id", "sub"),
            ("X-Groups", "groups"),
            ("X-Tenant", "org.tenant"),
            ("X-Level", "level"),
            ("X-Verified", "email_verified"),
            ("X-Org", "org"),
            ("X-Name", "name"))
        .Set("StripHeaders", new JsonArray("X-Internal-Secret", "x-debug-user"))
        .Policy("anon", new JsonObject { ["Anonymous"] = true })
        .Policy("override", new JsonObject
        {
            ["AnyValidToken"] = true, // it requires nothing: it only changes the headers
            ["ClaimHeaders"] = new JsonArray(
                new JsonObject { ["Header"] = "x-user-id", ["Claim"] = "email" },
                new JsonObject { ["Header"] = "X-Tenant", ["Claim"] = "" },
                new JsonObject { ["Header"] = "X-Policy-Only", ["Claim"] = "sub" }),
        })
        .Policy("checks", new JsonObject
        {
            // Every kind of check, none of which the tokens here satisfy: exercises claim parsing.
            ["AnyOf"] = new JsonArray(
                new JsonObject { ["Scopes"] = new JsonArray("never") },
                new JsonObject { ["Roles"] = new JsonArray("never") },
                new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "name", ["Equals"] = "never" }) },
                new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "groups", ["Contains"] = "never" }) },
                new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "org.tenant", ["OneOf"] = new JsonArray("never") }) },
                new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "sub", ["Equals"] = "never" }) }),
        })
        .Route("anon", "anon")
        .Route("checks", "checks")
        .Route("override", "override")
        .Route("routeover", null, new JsonObject
        {
            ["ClaimHeader.X-User-Id"] = "email",
            ["ClaimHeader.X-Groups"] = "",
            ["ClaimHeader.X-Route-Only"] = "org.tenant",
        });

    private string Token(params (string Name, object? Value)[] claims) =>
        Idp.Mint(claims.ToDictionary(c => c.Name, c => c.Value));

    private async Task<ReceivedRequest> ForwardAsync(string path, string? token, Action<HttpRequestMessage>? configure = null, GatewayInstance? gateway = null)
    {
        Downstream.Clear();
        using var response = await (gateway ?? _gateway).Client.GetWithTokenAsync(path, token, configure);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Downstream.Single();
    }

    private static string[] Values(ReceivedRequest received, string name) =>
        received.Headers.TryGetValue(name, out var values) ? [.. values.Select(v => v ?? "")] : [];

    private static void Spoof(HttpRequestMessage request, params string[] names)
    {
        foreach (var name in names)
        {
            request.Headers.TryAddWithoutValidation(name, "spoofed");
        }
    }

    private Task<RawResponse> RawAsync(string path, string? token, params string[] headerLines)
    {
        var head = new StringBuilder($"GET {path} HTTP/1.1\nHost: test\n");
        if (token is not null)
        {
            head.Append("Authorization: Bearer ").Append(token).Append('\n');
        }

        foreach (var line in headerLines)
        {
            head.Append(line).Append('\n');
        }

        head.Append("Connection: close\n");
        return RawHttp.SendAsync(_gateway.Client.BaseAddress!, head.ToString());
    }

    // ---- stripping client-sent copies ----

    [Theory]
    [InlineData("/api/x")]
    [InlineData("/override/x")]
    [InlineData("/routeover/x")]
    public async Task Strips_EveryOwnedHeader_SentByTheClient_OnAuthenticatedRoutes(string path)
    {
        // A token with none of the mapped claims except sub: nothing the client sent may survive.
        var received = await ForwardAsync(path, Token(("sub", "alice")), r => Spoof(r, OwnedHeaders));

        foreach (var name in OwnedHeaders)
        {
            Assert.NotEqual("spoofed", received.Header(name));
        }

        Assert.DoesNotContain(received.Headers.Values.SelectMany(v => v), v => v == "spoofed");
    }

    [Fact]
    public async Task Strips_EveryOwnedHeader_SentByTheClient_OnAnonymousRoutes()
    {
        var received = await ForwardAsync("/anon/x", null, r => Spoof(r, OwnedHeaders));

        foreach (var name in OwnedHeaders)
        {
            Assert.False(received.HasHeader(name), name);
        }
    }

    [Fact]
    public async Task Strips_OwnedHeaders_WhateverTheirCase()
    {
        var received = await ForwardAsync("/anon/x", null, r => Spoof(r, "x-user-id", "X-USER-ID", "x-InTeRnAl-SeCrEt", "X-DEBUG-USER", "x-policy-only", "X-ROUTE-ONLY"));

        Assert.DoesNotContain(received.Headers.Values.SelectMany(v => v), v => v == "spoofed");
    }

    [Fact]
    public async Task Strips_RepeatedHeaderLines_OnAnonymousRoutes()
    {
        Downstream.Clear();
        var response = await RawAsync("/anon/x", null, "X-User-Id: a", "x-user-id: b", "X-USER-ID: c", "X-Internal-Secret: 1", "x-internal-secret: 2", "X-Route-Only: r1", "X-Route-Only: r2");

        Assert.Equal(200, response.Status);
        var received = Downstream.Single();
        Assert.False(received.HasHeader("X-User-Id"));
        Assert.False(received.HasHeader("X-Internal-Secret"));
        Assert.False(received.HasHeader("X-Route-Only"));
    }

    [Fact]
    public async Task Strips_RepeatedHeaderLines_AndSetsExactlyOneVerifiedValue()
    {
        Downstream.Clear();
        var response = await RawAsync("/api/x", Token(("sub", "alice")), "X-User-Id: mallory", "x-user-id: root", "X-USER-ID: admin", "X-Groups: admins", "X-Groups: root");

        Assert.Equal(200, response.Status);
        var received = Downstream.Single();
        Assert.Equal(["alice"], Values(received, "X-User-Id"));
        Assert.False(received.HasHeader("X-Groups"));
    }

    [Fact]
    public async Task Replaces_ASpoofedValue_WithTheVerifiedClaim()
    {
        var received = await ForwardAsync("/api/x", Token(("sub", "alice"), ("org", new { tenant = "acme" })), r => Spoof(r, "X-User-Id", "x-tenant"));

        Assert.Equal(["alice"], Values(received, "X-User-Id"));
        Assert.Equal(["acme"], Values(received, "X-Tenant"));
    }

    [Fact]
    public async Task Strips_SpoofedHeader_WhenTheClaimIsAbsent()
    {
        var received = await ForwardAsync("/api/x", Token(("sub", null)), r => Spoof(r, "X-User-Id", "X-Tenant", "X-Groups"));

        Assert.False(received.HasHeader("X-User-Id"));
        Assert.False(received.HasHeader("X-Tenant"));
        Assert.False(received.HasHeader("X-Groups"));
    }

    [Fact]
    public async Task Strips_SpoofedHeader_WhenTheClaimIsNullOrAnEmptyArray()
    {
        var received = await ForwardAsync("/api/x", Token(("sub", JsonDocument.Parse("null").RootElement.Clone()), ("groups", Array.Empty<string>())), r => Spoof(r, "X-User-Id", "X-Groups"));

        Assert.False(received.HasHeader("X-User-Id"));
        Assert.False(received.HasHeader("X-Groups"));
    }

    [Fact]
    public async Task Keeps_HeadersTheGatewayDoesNotOwn()
    {
        var received = await ForwardAsync("/api/x", Token(), r => r.Headers.TryAddWithoutValidation("X-Request-Id", "r-1"));

        Assert.Equal("r-1", received.Header("X-Request-Id"));
    }

    [Fact]
    public async Task ConnectionHeader_CannotMakeTheGatewaysOwnHeaderDisappear()
    {
        var received = await ForwardAsync("/api/x", Token(("sub", "alice")), r =>
        {
            r.Headers.Connection.Add("X-User-Id");
            r.Headers.Connection.Add("x-tenant");
        });

        Assert.Equal("alice", received.Header("X-User-Id"));
    }

    [Fact]
    public async Task ConnectionHeader_ListingOwnedHeaders_InRawForm_StillForwardsTheVerifiedHeader()
    {
        Downstream.Clear();
        var response = await RawAsync("/api/x", Token(("sub", "alice"), ("org", new { tenant = "acme" })), "Connection: X-User-Id", "connection: keep-alive, X-TENANT , X-Other", "X-Other: kept-or-dropped");

        Assert.Equal(200, response.Status);
        var received = Downstream.Single();
        Assert.Equal(["alice"], Values(received, "X-User-Id"));
        Assert.Equal(["acme"], Values(received, "X-Tenant"));
    }

    // ---- encoding ----

    [Fact]
    public async Task Forwards_Claims_EncodedByType()
    {
        var token = Token(
            ("sub", "alice"),
            ("groups", new[] { "eng", "ops" }),
            ("level", 42),
            ("email_verified", true),
            ("org", new { tenant = "acme", id = 7, tags = new[] { "a", "b" } }),
            ("name", "Alice Smith"));

        var received = await ForwardAsync("/api/x", token);

        Assert.Equal(["alice"], Values(received, "X-User-Id"));
        Assert.Equal(["eng,ops"], Values(received, "X-Groups"));
        Assert.Equal(["42"], Values(received, "X-Level"));
        Assert.Equal(["true"], Values(received, "X-Verified"));
        Assert.Equal(["{\"tenant\":\"acme\"%2C\"id\":7%2C\"tags\":[\"a\"%2C\"b\"]}"], Values(received, "X-Org"));
        Assert.Equal(["acme"], Values(received, "X-Tenant"));
        Assert.Equal(["Alice Smith"], Values(received, "X-Name"));
    }

    [Fact]
    public async Task Forwards_FalseAndZero_AsJsonText()
    {
        var received = await ForwardAsync("/api/x", Token(("level", 0), ("email_verified", false), ("groups", "single")));

        Assert.Equal("0", received.Header("X-Level"));
        Assert.Equal("false", received.Header("X-Verified"));
        Assert.Equal("single", received.Header("X-Groups"));
    }

    [Fact]
    public async Task Forwards_ArrayElementsWithCommas_Escaped()
    {
        var received = await ForwardAsync("/api/x", Token(("groups", new object[] { "a,b", "c", 3, true })));

        Assert.Equal(["a%2Cb,c,3,true"], Values(received, "X-Groups"));
    }

    [Fact]
    public async Task Forwards_ACommaInAPlainString_Escaped()
    {
        var received = await ForwardAsync("/api/x", Token(("name", "Smith, Alice")));

        Assert.Equal(["Smith%2C Alice"], Values(received, "X-Name"));
    }

    [Fact]
    public async Task Forwards_AStringWithCommas_NeverLikeTheArrayOfItsParts()
    {
        var asString = await ForwardAsync("/api/x", Token(("groups", "user,admin")));
        var asArray = await ForwardAsync("/api/x", Token(("groups", new[] { "user", "admin" })));

        Assert.Equal(["user%2Cadmin"], Values(asString, "X-Groups"));
        Assert.Equal(["user,admin"], Values(asArray, "X-Groups"));
        Assert.Equal(["user,admin"], asString.Header("X-Groups")!.Split(',').Select(Uri.UnescapeDataString));
        Assert.Equal(["user", "admin"], asArray.Header("X-Groups")!.Split(',').Select(Uri.UnescapeDataString));
    }

    [Fact]
    public async Task Forwards_NonAsciiAndPercent_PercentEncoded()
    {
        var received = await ForwardAsync("/api/x", Token(("name", "José 100%"), ("sub", "日本")));

        Assert.Equal(["Jos%C3%A9 100%25"], Values(received, "X-Name"));
        Assert.Equal(["%E6%97%A5%E6%9C%AC"], Values(received, "X-User-Id"));
        Assert.Equal("José 100%", Uri.UnescapeDataString(received.Header("X-Name")!));
    }

    public static TheoryData<string, string> HostileValues() => new()
    {
        { "alice\r\nX-Injected: yes", "alice%0D%0AX-Injected: yes" },
        { "alice\nX-Injected: yes", "alice%0AX-Injected: yes" },
        { "alice\rX-Injected: yes", "alice%0DX-Injected: yes" },
        { "alice\0root", "alice%00root" },
        { "\r\n\r\nGET /admin HTTP/1.1", "%0D%0A%0D%0AGET /admin HTTP/1.1" },
        { "tab\there", "tab%09here" },
        { "del\u007f", "del%7F" },
        { "%0D%0A", "%250D%250A" },
        { "line\u2028sep", "line%E2%80%A8sep" },
        { " padded ", " padded " },
    };

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task Forwards_HostileClaimValues_AsOneEncodedHeader_NeverSplit(string value, string expected)
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync("/api/x", Token(("sub", value), ("groups", new[] { value, "x" }), ("org", new { tenant = value })));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Downstream.Single();
        Assert.False(received.HasHeader("X-Injected"));
        Assert.Equal([expected.Trim()], Values(received, "X-User-Id"));
        Assert.Equal([expected.Trim()], Values(received, "X-Tenant"));
        Assert.Single(Values(received, "X-Groups"));
        Assert.EndsWith(",x", received.Header("X-Groups"), StringComparison.Ordinal);
        Assert.Single(Values(received, "X-Org"));
        Assert.Equal("/api/x", received.Path);
        foreach (var header in received.Headers.Values.SelectMany(v => v))
        {
            Assert.DoesNotContain('\r', header!);
            Assert.DoesNotContain('\n', header!);
            Assert.DoesNotContain('\0', header!);
        }
    }

    [Fact]
    public async Task Forwards_HostileValueInsideAnObjectClaim_AsValidEscapedJson()
    {
        var received = await ForwardAsync("/api/x", Token(("org", new { tenant = "a\r\nb", name = "é" })));

        var header = received.Header("X-Org")!;
        Assert.DoesNotContain('\r', header);
        Assert.DoesNotContain('\n', header);
        using var parsed = JsonDocument.Parse(Uri.UnescapeDataString(header));
        Assert.Equal("a\r\nb", parsed.RootElement.GetProperty("tenant").GetString());
        Assert.Equal("é", parsed.RootElement.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("name")]
    [InlineData("groups")]
    [InlineData("org")]
    [InlineData("scope")]
    [InlineData("roles")]
    public async Task Rejects_AClaimWithALoneSurrogateEscape_AsMalformed_NeverA5xx(string claim)
    {
        // Valid JSON, but "\ud800" alone is not valid UTF-16 text: the signed payload is written by hand.
        var value = claim is "groups" or "roles" ? "[\"ok\",\"a\\ud800b\"]" : claim == "org" ? "{\"tenant\":\"a\\udc00\"}" : "\"a\\ud800b\"";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = $"{{\"iss\":\"{Idp.Issuer}\",\"aud\":\"api\",\"exp\":{now + 300},\"sub\":\"alice\",\"{claim}\":{value}}}";
        var token = SignRaw(payload);
        Downstream.Clear();

        foreach (var path in new[] { "/api/x", "/override/x", "/routeover/x", "/checks/x" })
        {
            using var response = await _gateway.Client.GetWithTokenAsync(path, token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.StartsWith("Bearer error=\"invalid_token\"", response.Challenge());
        }

        Assert.Empty(Downstream.Received);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetWithTokenAsync("/anon/x", token)).StatusCode);
    }

    [Fact]
    public async Task Forwards_ClaimsWithValidSurrogatePairEscapes()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = SignRaw($"{{\"iss\":\"{Idp.Issuer}\",\"aud\":\"api\",\"exp\":{now + 300},\"sub\":\"alice\",\"groups\":[\"\\ud83d\\ude00\"]}}");

        var received = await ForwardAsync("/api/x", token);

        Assert.Equal(["%F0%9F%98%80"], Values(received, "X-Groups"));
    }

    private string SignRaw(string payloadJson)
    {
        var rsa = ((Microsoft.IdentityModel.Tokens.RsaSecurityKey)Idp.Key("rsa-1").SecurityKey).Rsa;
        var signingInput = RawJwt.B64("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"JWT\"}") + "." + RawJwt.B64(payloadJson);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        return signingInput + "." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(signature);
    }

    [Fact]
    public async Task Forwards_AVeryLongClaim_WithoutA5xx()
    {
        using var response = await _gateway.Client.GetWithTokenAsync("/api/x", Token(("name", new string('é', 1500))));
        Assert.True((int)response.StatusCode < 500, response.StatusCode.ToString());
    }

    // ---- overrides ----

    [Fact]
    public async Task PolicyClaimHeaders_OverrideAndRemoveGlobalOnes()
    {
        var token = Token(("sub", "alice"), ("email", "alice@example.com"), ("org", new { tenant = "acme" }), ("groups", new[] { "eng" }));

        var received = await ForwardAsync("/override/x", token, r => Spoof(r, "X-Tenant"));

        Assert.Equal(["alice@example.com"], Values(received, "X-User-Id"));
        Assert.False(received.HasHeader("X-Tenant")); // removed by the policy (empty Claim), spoofed copy stripped
        Assert.Equal(["alice"], Values(received, "X-Policy-Only"));
        Assert.Equal(["eng"], Values(received, "X-Groups")); // untouched global mapping
    }

    [Fact]
    public async Task PolicyClaimHeaders_DoNotLeakToOtherRoutes()
    {
        var received = await ForwardAsync("/api/x", Token(("sub", "alice"), ("email", "alice@example.com"), ("org", new { tenant = "acme" })));

        Assert.Equal(["alice"], Values(received, "X-User-Id"));
        Assert.Equal(["acme"], Values(received, "X-Tenant"));
        Assert.False(received.HasHeader("X-Policy-Only"));
        Assert.False(received.HasHeader("X-Route-Only"));
    }

    [Fact]
    public async Task RouteMetadataClaimHeaders_OverrideAndRemove()
    {
        var token = Token(("sub", "alice"), ("email", "alice@example.com"), ("org", new { tenant = "acme" }), ("groups", new[] { "eng" }));

        var received = await ForwardAsync("/routeover/x", token, r => Spoof(r, "X-Groups"));

        Assert.Equal(["alice@example.com"], Values(received, "X-User-Id"));
        Assert.False(received.HasHeader("X-Groups"));
        Assert.Equal(["acme"], Values(received, "X-Route-Only"));
        Assert.Equal(["acme"], Values(received, "X-Tenant"));
    }

    [Fact]
    public async Task RouteMetadataClaimHeaders_OverridePolicyClaimHeaders()
    {
        var config = _fixture.Config()
            .Policy("p", new JsonObject { ["AnyValidToken"] = true, ["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-User-Id", ["Claim"] = "email" }) })
            .Route("r", "p", new JsonObject { ["ClaimHeader.X-User-Id"] = "preferred_username" });
        await using var gateway = await config.StartAsync();

        var received = await ForwardAsync("/r/x", Token(("email", "a@example.com"), ("preferred_username", "ally")), gateway: gateway);

        Assert.Equal(["ally"], Values(received, "X-User-Id"));
    }

    // ---- Authorization, body and query ----

    [Fact]
    public async Task Forwards_TheAuthorizationHeader_ByDefault()
    {
        var token = Token();
        var received = await ForwardAsync("/api/x", token);

        Assert.Equal("Bearer " + token, received.Header("Authorization"));
    }

    [Fact]
    public async Task Removes_TheAuthorizationHeader_WhenForwardAuthorizationHeaderIsFalse()
    {
        await using var gateway = await _fixture.Config().Set("ForwardAuthorizationHeader", false).StartAsync();

        var received = await ForwardAsync("/api/x", Token(("sub", "alice")), gateway: gateway);

        Assert.False(received.HasHeader("Authorization"));
        Assert.Equal("alice", received.Header("X-User-Id"));
    }

    [Fact]
    public async Task Removes_AQueryStringToken_ButKeepsOtherParameters()
    {
        var config = _fixture.Config().Set("TokenSources", new JsonObject { ["QueryParameters"] = new JsonArray("access_token") });
        await using var gateway = await config.StartAsync();
        var token = Token();

        var received = await ForwardAsync($"/api/x?a=1&access_token={token}&b=two%20words", null, gateway: gateway);

        Assert.DoesNotContain("access_token", received.Query, StringComparison.Ordinal);
        Assert.DoesNotContain(token, received.Query, StringComparison.Ordinal);
        Assert.Contains("a=1", received.Query, StringComparison.Ordinal);
        Assert.Contains("b=two%20words", received.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwards_PostBody_AndQuery_Intact()
    {
        Downstream.Clear();
        var body = "{\"order\":\"é-42\",\"items\":[1,2,3]," + new string('x', 100_000) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders?a=1&b=two%20words&c=%C3%A9")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token());

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Downstream.Single();
        Assert.Equal("POST", received.Method);
        Assert.Equal("/api/orders", received.Path);
        Assert.Equal("?a=1&b=two%20words&c=%C3%A9", received.Query);
        Assert.Equal(body, received.Body);
        Assert.StartsWith("application/json", received.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("alice", received.Header("X-User-Id"));
    }

    [Fact]
    public async Task Forwards_PostBody_OnAnonymousRoutes()
    {
        Downstream.Clear();
        using var response = await _gateway.Client.PostAsync("/anon/submit?x=y", new StringContent("hello body", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Downstream.Single();
        Assert.Equal("hello body", received.Body);
        Assert.Equal("?x=y", received.Query);
    }
}
