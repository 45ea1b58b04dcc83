using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Diagnostics;

/// <summary>
/// <c>explain</c> against a configuration on disk and tokens from the real test IdP (keys fetched through discovery, as
/// the gateway does): the route, the policy, the validation stages, every requirement with the value it saw, the claim
/// headers, the answer and the exit code (0 forwarded, 3 refused, 1 invalid input or configuration). One case runs the
/// built binary as the docs do.
/// </summary>
public sealed class ExplainCommandTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-explain-").FullName;
    private readonly string _configFile;

    public ExplainCommandTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
        var config = fixture.Config()
            .Policy("admin-only", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Policy("writers", new JsonObject { ["Scopes"] = new JsonArray("orders:write") })
            .Policy("open", new JsonObject { ["Anonymous"] = true })
            .Policy("dpop-only", new JsonObject { ["Roles"] = new JsonArray("admin"), ["Dpop"] = "Required" })
            .Policy("mtls-only", new JsonObject { ["Roles"] = new JsonArray("admin"), ["RequireCertificateBoundToken"] = true })
            .Route("bound", "dpop-only")
            .Route("mtls", "mtls-only")
            .Route("admin", "admin-only", new JsonObject { ["ShadowPolicy"] = "writers" })
            .Route("public", "open");
        _configFile = Path.Combine(_directory, "gateway.json");
        File.WriteAllText(_configFile, config.Build().ToJsonString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int Exit, string Stdout, string Stderr)> ExplainAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await ExplainCommand.RunAsync(["--config", _configFile, "--environment", "Production", .. args], stdout, stderr).WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Denial_NamesTheFailedRequirement_TheValueSeen_AndTheAnswer()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["roles"] = new[] { "user" } });

        var (exit, stdout, stderr) = await ExplainAsync("http://api.test/admin/users", "--token", token);

        Assert.Equal(ExplainCommand.Refused, exit);
        Assert.Equal("", stderr);
        Assert.Contains("route               admin", stdout);
        Assert.Contains("policy              admin-only", stdout);
        Assert.Contains("issuer              test", stdout);
        Assert.Contains("pass  signature, lifetime, iss, aud (JsonWebTokenHandler)", stdout);
        Assert.Contains("FAIL  role \"admin\" in claim roles  seen [\"user\"]  [Gateway:Policies:admin-only:Roles:0]", stdout);
        Assert.Contains("failed requirement  Gateway:Policies:admin-only:Roles:0: role \"admin\" in claim roles", stdout);
        Assert.Contains("shadow policy       writers: would deny (Gateway:Policies:writers:Scopes:0: scope \"orders:write\") — not enforced", stdout);
        Assert.Contains("answer              403 forbidden (policy_not_satisfied)", stdout);
        Assert.Contains("WWW-Authenticate    Bearer error=\"insufficient_scope\"", stdout);
        Assert.DoesNotContain(token, stdout);
    }

    [Fact]
    public async Task Json_Allowed_ListsTheClaimHeadersForwarded()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = "carol", ["roles"] = new[] { "admin" } });

        var (exit, stdout, _) = await ExplainAsync("/admin/users", "--host", "api.test", "--token", token, "--json");

        Assert.Equal(0, exit);
        var trace = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("admin", trace.GetProperty("route").GetString());
        Assert.True(trace.GetProperty("answer").GetProperty("forwarded").GetBoolean());
        Assert.Equal(200, trace.GetProperty("answer").GetProperty("status").GetInt32());
        Assert.All(trace.GetProperty("validation").EnumerateArray().SkipLast(1), s => Assert.Equal("pass", s.GetProperty("result").GetString()));
        var headers = trace.GetProperty("claimHeaders").EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("value").GetString());
        Assert.Equal("carol", headers["X-User-Id"]);
        Assert.Equal("test", headers["X-Auth-Issuer"]);
        Assert.Equal("deny", trace.GetProperty("shadow").GetProperty("decision").GetString());
    }

    [Fact]
    public async Task ExpiredToken_FailsAtItsStage_With401AndTheChallenge()
    {
        var token = _fixture.Idp.Mint(new Dictionary<string, object?>
        {
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
            ["nbf"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
        });

        var (exit, stdout, _) = await ExplainAsync("/api/orders", "--token", token, "--json");

        Assert.Equal(ExplainCommand.Refused, exit);
        var trace = JsonDocument.Parse(stdout).RootElement;
        var failed = trace.GetProperty("validation").EnumerateArray().Single(s => s.GetProperty("result").GetString() == "fail");
        Assert.StartsWith("signature, lifetime", failed.GetProperty("stage").GetString());
        Assert.StartsWith("Expired", failed.GetProperty("detail").GetString());
        Assert.Equal(401, trace.GetProperty("answer").GetProperty("status").GetInt32());
        Assert.Contains("invalid_token", trace.GetProperty("answer").GetProperty("challenge").GetString());
    }

    [Theory]
    [InlineData("/bound/x", false, "a DPoP-bound token is required")]
    [InlineData("/mtls/x", false, "a certificate-bound token is required")]
    [InlineData("/admin/x", true, "the token is DPoP-bound and must be presented with the DPoP scheme and a proof")]
    public async Task ABearerRequestTheSenderConstraintRefuses_IsExplainedAsRefused(string path, bool boundToken, string description)
    {
        // Review finding: explain skipped the sender-constraint step and answered "200 forwarded" where the gateway
        // refuses the same request (401): a bearer token on a DPoP- or certificate-requiring policy, a DPoP-bound token as Bearer.
        var claims = new Dictionary<string, object?> { ["roles"] = new[] { "admin" } };
        var token = boundToken ? _fixture.Idp.MintBound(jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", claims: claims) : _fixture.Idp.Mint(claims);

        var (exit, stdout, _) = await ExplainAsync(path, "--token", token, "--json");

        Assert.Equal(ExplainCommand.Refused, exit);
        var answer = JsonDocument.Parse(stdout).RootElement.GetProperty("answer");
        Assert.False(answer.GetProperty("forwarded").GetBoolean());
        Assert.Equal(401, answer.GetProperty("status").GetInt32());
        Assert.Contains(description, answer.GetProperty("challenge").GetString());
    }

    [Fact]
    public async Task ClaimsWhatIf_JudgesThePolicyWithoutAToken()
    {
        var (exit, stdout, _) = await ExplainAsync("/admin/x", "--claims", """{"sub":"dave","roles":["admin"]}""");

        Assert.Equal(0, exit);
        Assert.Contains("what-if on claims", stdout);
        Assert.Contains("pass  role \"admin\" in claim roles  seen [\"admin\"]", stdout);
        Assert.Contains("X-User-Id: dave", stdout);
    }

    [Theory]
    [InlineData("/nowhere", "no route matches GET localhost/nowhere", 3)]
    [InlineData("/api;x/admin", "REFUSED: the request path has path parameters", 3)]
    [InlineData("/public/page", "forwarded (anonymous)", 0)]
    public async Task RouteAndGuard_AreJudgedLikeARequest(string path, string expected, int expectedExit)
    {
        var (exit, stdout, _) = await ExplainAsync(path);

        Assert.Equal(expectedExit, exit);
        Assert.Contains(expected, stdout);
    }

    [Fact]
    public async Task NoToken_OnAProtectedRoute_IsA401WithTheBareChallenge()
    {
        var (exit, stdout, _) = await ExplainAsync("/api/orders");

        Assert.Equal(ExplainCommand.Refused, exit);
        Assert.Contains("FAIL  extract (one token, from a configured carrier) — Missing: no token", stdout);
        Assert.Contains("answer              401 unauthorized (missing)", stdout);
        Assert.Contains("WWW-Authenticate    Bearer\n", stdout);
    }

    [Fact]
    public async Task InvalidConfiguration_Exit1_WithTheErrorPath()
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(_configFile))!;
        config["ReverseProxy"]!["Routes"]!["admin"]!["Metadata"]!["ShadowPolicy"] = "nope";
        await File.WriteAllTextAsync(_configFile, config.ToJsonString());

        var (exit, _, stderr) = await ExplainAsync("/admin/x");

        Assert.Equal(1, exit);
        Assert.Contains("ReverseProxy:Routes:admin:Metadata:ShadowPolicy", stderr);
    }

    [Theory]
    [InlineData(new[] { "--token", "a", "--claims", "{}" }, "give at most one of --token, --token-file and --claims")]
    [InlineData(new[] { "--issuer", "test" }, "--issuer applies to --claims only")]
    [InlineData(new[] { "--header", "no-colon" }, "is not \"Name: value\"")]
    [InlineData(new[] { "--tokn", "a" }, "'--tokn'")]
    public async Task UsageErrors_Exit2_WithTheUsage(string[] args, string expected)
    {
        var (exit, _, stderr) = await ExplainAsync(["/api/x", .. args]);

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr);
        Assert.Contains("explain <URL> [options]", stderr);
    }

    [Fact]
    public async Task Binary_ExplainsFromATokenFile()
    {
        var tokenFile = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(tokenFile, _fixture.Idp.Mint() + "\n");

        var (exit, stdout, stderr) = await GatewayBinary.RunAsync(["explain", "--config", _configFile, "--environment", "Production", "--token-file", tokenFile, "-X", "POST", "http://api.test/admin/users"]);

        Assert.True(exit == ExplainCommand.Refused, stderr + stdout);
        Assert.Contains("request             POST api.test/admin/users", stdout);
        Assert.Contains("failed requirement  Gateway:Policies:admin-only:Roles:0", stdout);
    }
}
