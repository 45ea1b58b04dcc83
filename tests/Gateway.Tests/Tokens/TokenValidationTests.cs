using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Tokens;

/// <summary>Each validation rule, through the real gateway, a real IdP (discovery + JWKS) and a real downstream.</summary>
public sealed class TokenValidationTests : IAsyncLifetime, IClassFixture<SharedGatewayFixture>
{
    private readonly SharedGatewayFixture _shared;
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public TokenValidationTests(SharedGatewayFixture shared)
    {
        _shared = shared;
        _fixture = shared.Integration;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _shared.GatewayAsync(() => _fixture.Config().StartAsync()); // one for the class: the tests only send requests
    }

    // The gateway belongs to the class (SharedGatewayFixture disposes it).
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Accepts_ValidRs256Token_AndForwardsToDownstream()
    {
        var response = await _gateway.Client.GetWithTokenAsync("/api/orders?x=1", Idp.Mint());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("downstream ok", await response.Content.ReadAsStringAsync());
        var received = _fixture.Downstream.Single();
        Assert.Equal("/api/orders", received.Path);
        Assert.Equal("?x=1", received.Query);
        Assert.Equal("alice", received.Header("X-User-Id"));
    }

    [Fact]
    public async Task Accepts_ValidEs256Token()
    {
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: "ec-1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Accepts_BearerScheme_CaseInsensitively()
    {
        var token = Idp.Mint();
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", null, r => r.Headers.TryAddWithoutValidation("Authorization", "bEaReR " + token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Rejects_MissingToken_WithBareChallenge_AndProblemJson()
    {
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Challenge());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("traceId").GetString()));
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Rejects_OtherAuthorizationSchemes_AsMissingToken()
    {
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", null, r => r.Headers.TryAddWithoutValidation("Authorization", "Basic YWxpY2U6c2VjcmV0"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Challenge());
    }

    [Fact]
    public async Task Rejects_TwoAuthorizationHeaders_AsInvalidRequest()
    {
        var token = Idp.Mint();
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /api/x HTTP/1.1\nHost: test\nAuthorization: Bearer {token}\nauthorization: Bearer {token}\nConnection: close\n");

        Assert.Equal(400, response.Status);
        Assert.Contains("error=\"invalid_request\"", response.Head);
        Assert.Empty(_fixture.Downstream.Received);
    }

    public static TheoryData<string, string> InvalidTokens()
    {
        var now = DateTimeOffset.UtcNow;
        return new TheoryData<string, string>
        {
            { "expired", "expired" },
            { "not-yet-valid", "not valid yet" },
            { "no-exp", "no expiration" },
            { "wrong-audience", "audience" },
            { "unknown-issuer", "issuer is unknown" },
            { "tampered", "signature" },
            { "malformed", "malformed" },
            { "two-parts", "malformed" },
            { "empty", "malformed" },
            { "alg-none", "algorithm" },
            { "hs256-with-public-key", "algorithm" },
            { "unknown-kid", "key is unknown" },
            { "too-large", "too large" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task Rejects_InvalidToken_With401InvalidToken(string kind, string description)
    {
        var token = HostileToken(kind);

        var response = await _gateway.Client.GetWithTokenAsync("/api/x", null, r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Challenge();
        Assert.StartsWith("Bearer error=\"invalid_token\"", challenge);
        Assert.Contains(description, challenge);
        var body = await response.Content.ReadAsStringAsync();
        if (token.Length > 20)
        {
            Assert.DoesNotContain(token, body);
            Assert.DoesNotContain(token, _gateway.Logs.AllText());
        }

        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Accepts_ExpiredToken_WithinClockSkew()
    {
        var token = Idp.Mint(new Dictionary<string, object?> { ["exp"] = DateTimeOffset.UtcNow.AddSeconds(-30).ToUnixTimeSeconds(), ["nbf"] = null, ["iat"] = null });
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Accepts_AudienceArray_WhenAnyValueMatches()
    {
        var token = Idp.Mint(new Dictionary<string, object?> { ["aud"] = new[] { "other", "api" } });
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Rejects_AudienceArray_WhenNoValueMatches()
    {
        var token = Idp.Mint(new Dictionary<string, object?> { ["aud"] = new[] { "other", "API" } });
        var response = await _gateway.Client.GetWithTokenAsync("/api/x", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task NeverFetches_KeysNamedByTheToken_JkuX5uJwk()
    {
        var attacker = TestIdentityProvider.CreateUnpublishedRsaKey("attacker");
        var jwks = TestIdentityProvider.JwksJson([attacker]);
        var header = new Dictionary<string, object>
        {
            ["alg"] = "RS256",
            ["kid"] = "attacker",
            ["jku"] = _fixture.Downstream.BaseAddress + "/jwks",
            ["x5u"] = _fixture.Downstream.BaseAddress + "/cert",
            ["jwk"] = JsonDocument.Parse(jwks).RootElement.GetProperty("keys")[0],
        };
        var unsigned = RawJwt.Encode(header, Payload());
        var signingInput = unsigned[..^1];
        var signature = ((RsaSecurityKey)attacker.SecurityKey).Rsa.SignData(System.Text.Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var token = signingInput + "." + Base64UrlEncoder.Encode(signature);

        var response = await _gateway.Client.GetWithTokenAsync("/api/x", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_fixture.Downstream.Received); // neither the jku nor the x5u URL was fetched, and nothing was forwarded
    }

    private Dictionary<string, object> Payload(Action<Dictionary<string, object>>? change = null)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Idp.Issuer,
            ["aud"] = "api",
            ["sub"] = "mallory",
            ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
        };
        change?.Invoke(payload);
        return payload;
    }

    private string HostileToken(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        switch (kind)
        {
            case "expired":
                return Idp.Mint(new Dictionary<string, object?> { ["exp"] = now.AddSeconds(-120).ToUnixTimeSeconds(), ["nbf"] = null, ["iat"] = now.AddMinutes(-10).ToUnixTimeSeconds() });
            case "not-yet-valid":
                return Idp.Mint(new Dictionary<string, object?> { ["nbf"] = now.AddSeconds(120).ToUnixTimeSeconds() });
            case "no-exp":
                return Idp.Mint(new Dictionary<string, object?> { ["exp"] = null });
            case "wrong-audience":
                return Idp.Mint(audience: "someone-else");
            case "unknown-issuer":
                return Idp.Mint(new Dictionary<string, object?> { ["iss"] = "https://evil.example" });
            case "tampered":
                var parts = Idp.Mint().Split('.');
                return $"{parts[0]}.{RawJwt.B64(JsonSerializer.Serialize(Payload(p => p["sub"] = "admin")))}.{parts[2]}";
            case "malformed":
                return "not-a-token.at-all.really!";
            case "two-parts":
                return Idp.Mint().Split('.')[0] + "." + Idp.Mint().Split('.')[1];
            case "empty":
                return "..";
            case "alg-none":
                return RawJwt.Encode(new { alg = "none", typ = "JWT" }, Payload());
            case "hs256-with-public-key":
                var publicJwk = Idp.Key("rsa-1").PublicJwk();
                var secret = Base64UrlEncoder.DecodeBytes(publicJwk["n"]);
                return RawJwt.HmacSign(new { alg = "HS256", kid = "rsa-1" }, Payload(), secret);
            case "unknown-kid":
                return Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("never-published"));
            case "too-large":
                return Idp.Mint(new Dictionary<string, object?> { ["padding"] = new string('a', 9000) });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
