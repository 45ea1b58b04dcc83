using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Policies;

/// <summary>
/// Policies (scopes, roles, claim rules, AllOf/AnyOf, issuers, default and anonymous policies)
/// enforced by the real gateway on tokens from the real test IdP, with the real downstream recording
/// what was forwarded.
/// </summary>
public sealed class PolicyEnforcementTests : IAsyncLifetime, IClassFixture<SharedGatewayFixture>
{
    private const string SecondIssuer = "https://second-issuer.test";

    private readonly SharedGatewayFixture _shared;
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public PolicyEnforcementTests(SharedGatewayFixture shared)
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

    /// <summary>One route per policy: <c>/{policy}/**</c>; <c>/api/**</c> stays on the default policy.</summary>
    private TestConfig StandardConfig()
    {
        var config = _fixture.Config();
        AddSecondIssuer(config);
        foreach (var (name, policy) in Policies())
        {
            config.Policy(name, policy).Route(name, name);
        }

        return config;
    }

    // A second issuer: the same IdP keys through its plain JWKS URL, but its own 'iss' value.
    private void AddSecondIssuer(TestConfig config) =>
        config.Gateway["Issuers"]!["second"] = new JsonObject
        {
            ["JwksUri"] = Idp.JwksUri,
            ["Issuer"] = SecondIssuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
        };

    private static IEnumerable<(string Name, JsonObject Policy)> Policies()
    {
        yield return ("scopes", new JsonObject { ["Scopes"] = new JsonArray("orders:read", "orders:write") });
        yield return ("roles", new JsonObject { ["Roles"] = new JsonArray("admin") });
        yield return ("eq-string", Rule(new JsonObject { ["Claim"] = "tier", ["Equals"] = "gold" }));
        yield return ("eq-number", Rule(new JsonObject { ["Claim"] = "level", ["Equals"] = "42" }));
        yield return ("eq-bool", Rule(new JsonObject { ["Claim"] = "email_verified", ["Equals"] = "true" }));
        yield return ("eq-bool-json", Rule(new JsonObject { ["Claim"] = "email_verified", ["Equals"] = true }));
        yield return ("eq-number-json", Rule(new JsonObject { ["Claim"] = "level", ["Equals"] = 42 }));
        yield return ("one-of", Rule(new JsonObject { ["Claim"] = "tier", ["OneOf"] = new JsonArray("gold", "silver") }));
        yield return ("exists", Rule(new JsonObject { ["Claim"] = "org.tenant", ["Exists"] = true }));
        yield return ("not-exists", Rule(new JsonObject { ["Claim"] = "suspended", ["Exists"] = false }));
        yield return ("contains", Rule(new JsonObject { ["Claim"] = "groups", ["Contains"] = "eng" }));
        yield return ("tenant", Rule(new JsonObject { ["Claim"] = "org.tenant", ["Equals"] = "acme" }));
        yield return ("all-of", new JsonObject
        {
            ["AllOf"] = new JsonArray(
                new JsonObject { ["Scopes"] = new JsonArray("orders:read") },
                new JsonObject { ["Roles"] = new JsonArray("admin") }),
        });
        yield return ("any-of", new JsonObject
        {
            ["AnyOf"] = new JsonArray(
                new JsonObject { ["Roles"] = new JsonArray("admin") },
                new JsonObject { ["Scopes"] = new JsonArray("orders:admin") }),
        });
        yield return ("nested", new JsonObject
        {
            ["Scopes"] = new JsonArray("api"),
            ["AnyOf"] = new JsonArray(
                new JsonObject { ["Roles"] = new JsonArray("admin") },
                new JsonObject
                {
                    ["AllOf"] = new JsonArray(
                        new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "tier", ["Equals"] = "gold" }) },
                        new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "org.tenant", ["Equals"] = "acme" }) }),
                }),
        });
        yield return ("first-only", new JsonObject { ["Issuers"] = new JsonArray("test") });
        yield return ("second-only", new JsonObject { ["Issuers"] = new JsonArray("second") });
        yield return ("both-issuers", new JsonObject { ["Issuers"] = new JsonArray("test", "second"), ["Scopes"] = new JsonArray("orders:read") });
        yield return ("anon", new JsonObject { ["Anonymous"] = true });
    }

    private static JsonObject Rule(JsonObject rule) => new() { ["Claims"] = new JsonArray(rule) };

    private string Token(params (string Name, object? Value)[] claims) =>
        Idp.Mint(claims.ToDictionary(c => c.Name, c => c.Value));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private async Task<HttpStatusCode> StatusAsync(string path, string? token)
    {
        using var response = await _gateway.Client.GetWithTokenAsync(path, token);
        return response.StatusCode;
    }

    private async Task AssertAllowedAsync(string path, string token)
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync(path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("downstream ok", await response.Content.ReadAsStringAsync());
        Downstream.Single();
    }

    private async Task AssertForbiddenAsync(string path, string token)
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync(path, token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("Bearer error=\"insufficient_scope\"", response.Challenge());
        Assert.Empty(Downstream.Received);
    }

    // ---- scopes ----

    [Fact]
    public async Task Forwards_WhenSpaceDelimitedScopeClaim_HoldsEveryRequiredScope()
    {
        await AssertAllowedAsync("/scopes/x", Token(("scope", "profile orders:read orders:write")));
    }

    [Fact]
    public async Task Forwards_WhenScpArray_HoldsEveryRequiredScope()
    {
        await AssertAllowedAsync("/scopes/x", Token(("scp", new[] { "orders:write", "orders:read" })));
    }

    [Fact]
    public async Task Forwards_WhenScpIsASpaceDelimitedString()
    {
        await AssertAllowedAsync("/scopes/x", Token(("scp", "orders:read orders:write")));
    }

    [Fact]
    public async Task Forwards_WhenRequiredScopesAreSplitBetweenScopeAndScp()
    {
        await AssertAllowedAsync("/scopes/x", Token(("scope", "orders:read"), ("scp", new[] { "orders:write" })));
    }

    [Fact]
    public async Task Forwards_WhenScopeClaimHasExtraSpaces()
    {
        await AssertAllowedAsync("/scopes/x", Token(("scope", "  orders:read   orders:write ")));
    }

    public static TheoryData<string, object?> InsufficientScopes() => new()
    {
        { "one missing", "orders:read" },
        { "none", null },
        { "empty scope claim", "" },
        { "wrong case", "Orders:Read Orders:Write" },
        { "upper case", "ORDERS:READ ORDERS:WRITE" },
        { "prefixes", "orders:rea orders:writ" },
        { "resource only", "orders" },
        { "longer names", "orders:readx orders:write:all" },
        { "comma separated", "orders:read,orders:write" },
        { "tab separated", "orders:read\torders:write" },
    };

    [Theory]
    [MemberData(nameof(InsufficientScopes))]
    public async Task Rejects_With403_WhenScopeClaimDoesNotHoldEveryScopeExactly(string because, object? scope)
    {
        Assert.NotNull(because);
        await AssertForbiddenAsync("/scopes/x", Token(("scope", scope)));
    }

    [Fact]
    public async Task Rejects_With403_WhenScpArrayMatchesOnlyCaseInsensitively()
    {
        await AssertForbiddenAsync("/scopes/x", Token(("scp", new[] { "Orders:Read", "orders:write" })));
    }

    [Fact]
    public async Task Rejects_With403_WhenScpArrayElement_HoldsSeveralScopesInOneString()
    {
        // An array is a list of scopes: one element is one scope, it is not split on spaces.
        await AssertForbiddenAsync("/scopes/x", Token(("scp", new[] { "orders:read orders:write" })));
    }

    [Fact]
    public async Task Rejects_With403_WhenScopesAppearOnlyInAnUnrelatedClaim()
    {
        await AssertForbiddenAsync("/scopes/x", Token(("scopes", "orders:read orders:write"), ("roles", new[] { "orders:read", "orders:write" })));
    }

    // ---- roles ----

    [Fact]
    public async Task Forwards_WhenRoleClaimIsAMatchingString()
    {
        await AssertAllowedAsync("/roles/x", Token(("roles", "admin")));
    }

    [Fact]
    public async Task Forwards_WhenRoleClaimArrayContainsTheRole()
    {
        await AssertAllowedAsync("/roles/x", Token(("roles", new[] { "user", "admin" })));
    }

    public static TheoryData<string, object?> MissingRoles() => new()
    {
        { "absent", null },
        { "wrong case", "Admin" },
        { "prefix", "adm" },
        { "longer", "administrator" },
        { "space-delimited string is one role", "user admin" },
        { "array without it", new[] { "user", "Admin" } },
        { "number", 1 },
    };

    [Theory]
    [MemberData(nameof(MissingRoles))]
    public async Task Rejects_With403_WhenRoleClaimDoesNotHoldTheRoleExactly(string because, object? roles)
    {
        Assert.NotNull(because);
        await AssertForbiddenAsync("/roles/x", Token(("roles", roles)));
    }

    [Fact]
    public async Task Rejects_With403_WhenRoleIsOnlyAScope()
    {
        await AssertForbiddenAsync("/roles/x", Token(("scope", "admin"), ("role", "admin")));
    }

    [Fact]
    public async Task Reads_Roles_FromTheIssuersNestedRoleClaim()
    {
        var config = _fixture.Config().Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") }).Route("admin", "admins");
        config.Issuer["RoleClaim"] = "realm_access.roles";
        await using var gateway = await config.StartAsync();

        using var nested = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("realm_access", new { roles = new[] { "user", "admin" } })));
        using var topLevel = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("roles", new[] { "admin" })));
        using var otherClient = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("resource_access", new { roles = new[] { "admin" } })));
        using var nestedString = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("realm_access", new { roles = "admin" })));

        Assert.Equal(HttpStatusCode.OK, nested.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, topLevel.StatusCode); // the default 'roles' claim is no longer read
        Assert.Equal(HttpStatusCode.Forbidden, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nestedString.StatusCode);
    }

    [Fact]
    public async Task Reads_Roles_FromANamespacedRoleClaim()
    {
        var config = _fixture.Config().Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") }).Route("admin", "admins");
        config.Issuer["RoleClaim"] = "https://example.com/roles";
        await using var gateway = await config.StartAsync();

        using var allowed = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("https://example.com/roles", new[] { "admin" })));
        using var denied = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("roles", new[] { "admin" })));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    // ---- claim rules ----

    [Fact]
    public async Task Equals_String_MatchesExactly()
    {
        await AssertAllowedAsync("/eq-string/x", Token(("tier", "gold")));
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", "Gold")));
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", "gold ")));
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", "golden")));
        await AssertForbiddenAsync("/eq-string/x", Token());
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", new[] { "gold" }))); // an array is not a scalar
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", new { value = "gold" })));
        await AssertForbiddenAsync("/eq-string/x", Token(("tier", Json("null"))));
    }

    [Fact]
    public async Task Equals_Number_ComparesJsonText()
    {
        await AssertAllowedAsync("/eq-number/x", Token(("level", 42)));
        await AssertAllowedAsync("/eq-number/x", Token(("level", "42"))); // values compare as text
        await AssertForbiddenAsync("/eq-number/x", Token(("level", 43)));
        await AssertForbiddenAsync("/eq-number/x", Token(("level", Json("42.0"))));
        await AssertForbiddenAsync("/eq-number/x", Token(("level", Json("4.2e1"))));
        await AssertForbiddenAsync("/eq-number/x", Token(("level", 420)));
    }

    [Fact]
    public async Task Equals_Boolean_ComparesJsonText()
    {
        await AssertAllowedAsync("/eq-bool/x", Token(("email_verified", true)));
        await AssertForbiddenAsync("/eq-bool/x", Token(("email_verified", false)));
        await AssertForbiddenAsync("/eq-bool/x", Token(("email_verified", "True")));
        await AssertForbiddenAsync("/eq-bool/x", Token(("email_verified", 1)));
        await AssertForbiddenAsync("/eq-bool/x", Token());
    }

    [Fact]
    public async Task Equals_WrittenAsJsonBooleanOrNumberInConfiguration_MatchesTheSameClaims()
    {
        // The configuration system turns a JSON true into the text "True": it must still match the boolean claim.
        await AssertAllowedAsync("/eq-bool-json/x", Token(("email_verified", true)));
        await AssertForbiddenAsync("/eq-bool-json/x", Token(("email_verified", false)));
        await AssertForbiddenAsync("/eq-bool-json/x", Token(("email_verified", "true"))); // a string is compared exactly
        await AssertAllowedAsync("/eq-number-json/x", Token(("level", 42)));
        await AssertForbiddenAsync("/eq-number-json/x", Token(("level", 41)));
    }

    [Fact]
    public async Task OneOf_MatchesAnyListedValue()
    {
        await AssertAllowedAsync("/one-of/x", Token(("tier", "gold")));
        await AssertAllowedAsync("/one-of/x", Token(("tier", "silver")));
        await AssertForbiddenAsync("/one-of/x", Token(("tier", "bronze")));
        await AssertForbiddenAsync("/one-of/x", Token(("tier", "SILVER")));
        await AssertForbiddenAsync("/one-of/x", Token(("tier", new[] { "gold", "silver" })));
        await AssertForbiddenAsync("/one-of/x", Token());
    }

    [Fact]
    public async Task ExistsTrue_RequiresTheNestedClaim()
    {
        await AssertAllowedAsync("/exists/x", Token(("org", new { tenant = "acme" })));
        await AssertAllowedAsync("/exists/x", Token(("org", new { tenant = false })));
        await AssertForbiddenAsync("/exists/x", Token(("org", new { name = "acme" })));
        await AssertForbiddenAsync("/exists/x", Token(("org", new { tenant = Json("null") })));
        await AssertForbiddenAsync("/exists/x", Token(("org", "acme")));
        await AssertForbiddenAsync("/exists/x", Token(("tenant", "acme")));
    }

    [Fact]
    public async Task ExistsFalse_RequiresTheClaimToBeAbsent()
    {
        await AssertAllowedAsync("/not-exists/x", Token());
        await AssertAllowedAsync("/not-exists/x", Token(("suspended", Json("null"))));
        await AssertForbiddenAsync("/not-exists/x", Token(("suspended", true)));
        await AssertForbiddenAsync("/not-exists/x", Token(("suspended", false)));
        await AssertForbiddenAsync("/not-exists/x", Token(("suspended", "")));
        await AssertForbiddenAsync("/not-exists/x", Token(("suspended", Array.Empty<string>())));
    }

    [Fact]
    public async Task Contains_MatchesAnArrayElementOrASingleString()
    {
        await AssertAllowedAsync("/contains/x", Token(("groups", new[] { "ops", "eng" })));
        await AssertAllowedAsync("/contains/x", Token(("groups", "eng")));
        await AssertForbiddenAsync("/contains/x", Token(("groups", new[] { "engineering", "ENG" })));
        await AssertForbiddenAsync("/contains/x", Token(("groups", "eng ops")));
        await AssertForbiddenAsync("/contains/x", Token(("groups", Array.Empty<string>())));
        await AssertForbiddenAsync("/contains/x", Token(("groups", new object[] { new[] { "eng" } })));
        await AssertForbiddenAsync("/contains/x", Token());
    }

    [Fact]
    public async Task NestedPath_ReadsIntoObjects()
    {
        await AssertAllowedAsync("/tenant/x", Token(("org", new { tenant = "acme", id = 7 })));
        await AssertForbiddenAsync("/tenant/x", Token(("org", new { tenant = "other" })));
        await AssertForbiddenAsync("/tenant/x", Token(("org", new[] { new { tenant = "acme" } })));
        await AssertForbiddenAsync("/tenant/x", Token(("tenant", "acme")));
    }

    [Fact]
    public async Task NestedPath_AcceptsALiteralDottedClaimName()
    {
        // Documented: a path is first tried as one literal claim name.
        await AssertAllowedAsync("/tenant/x", Token(("org.tenant", "acme")));
    }

    // ---- AllOf / AnyOf ----

    [Fact]
    public async Task AllOf_RequiresEveryGroup()
    {
        await AssertAllowedAsync("/all-of/x", Token(("scope", "orders:read"), ("roles", "admin")));
        await AssertForbiddenAsync("/all-of/x", Token(("scope", "orders:read")));
        await AssertForbiddenAsync("/all-of/x", Token(("roles", "admin")));
        await AssertForbiddenAsync("/all-of/x", Token());
    }

    [Fact]
    public async Task AnyOf_RequiresAtLeastOneGroup()
    {
        await AssertAllowedAsync("/any-of/x", Token(("roles", "admin")));
        await AssertAllowedAsync("/any-of/x", Token(("scope", "orders:admin")));
        await AssertAllowedAsync("/any-of/x", Token(("scope", "orders:admin"), ("roles", "admin")));
        await AssertForbiddenAsync("/any-of/x", Token(("scope", "orders:read"), ("roles", "user")));
        await AssertForbiddenAsync("/any-of/x", Token());
    }

    [Fact]
    public async Task NestedGroups_CombineTopLevelScopes_AnyOf_AndAllOf()
    {
        await AssertAllowedAsync("/nested/x", Token(("scope", "api"), ("roles", "admin")));
        await AssertAllowedAsync("/nested/x", Token(("scope", "api"), ("tier", "gold"), ("org", new { tenant = "acme" })));
        await AssertForbiddenAsync("/nested/x", Token(("scope", "api"), ("tier", "gold")));
        await AssertForbiddenAsync("/nested/x", Token(("scope", "api"), ("org", new { tenant = "acme" })));
        await AssertForbiddenAsync("/nested/x", Token(("scope", "api"), ("tier", "gold"), ("org", new { tenant = "evil" })));
        await AssertForbiddenAsync("/nested/x", Token(("roles", "admin"))); // the top-level scope is still required
        await AssertForbiddenAsync("/nested/x", Token(("tier", "gold"), ("org", new { tenant = "acme" })));
    }

    // ---- issuers ----

    [Fact]
    public async Task SecondIssuer_SharingKeysButNotIss_IsAcceptedOnTheDefaultPolicy()
    {
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/x", Token(("iss", SecondIssuer))));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/x", Token()));
    }

    [Fact]
    public async Task Rejects_With401InvalidToken_WhenPolicyDoesNotListTheTokensIssuer()
    {
        Downstream.Clear();
        using var second = await _gateway.Client.GetWithTokenAsync("/first-only/x", Token(("iss", SecondIssuer)));
        using var first = await _gateway.Client.GetWithTokenAsync("/second-only/x", Token());

        foreach (var response in new[] { second, first })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Bearer error=\"invalid_token\"", response.Challenge());
            Assert.Contains("issuer is not accepted", response.Challenge());
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task Forwards_WhenPolicyListsTheTokensIssuer()
    {
        await AssertAllowedAsync("/first-only/x", Token());
        await AssertAllowedAsync("/second-only/x", Token(("iss", SecondIssuer)));
        await AssertAllowedAsync("/both-issuers/x", Token(("iss", SecondIssuer), ("scope", "orders:read")));
        await AssertAllowedAsync("/both-issuers/x", Token(("scope", "orders:read")));
        await AssertForbiddenAsync("/both-issuers/x", Token(("iss", SecondIssuer)));
    }

    [Fact]
    public async Task RefusesToStart_OnUnknownPolicyKeys_AtAnyDepth_WhileAcceptingEquals()
    {
        var config = _fixture.Config()
            .Policy("p", new JsonObject
            {
                ["Scope"] = new JsonArray("typo"),
                ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "a", ["Equal"] = "typo" }),
                ["AnyOf"] = new JsonArray(new JsonObject
                {
                    ["AllOf"] = new JsonArray(new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "b", ["Equals"] = "ok", ["Exist"] = true }) }),
                }),
                ["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-A", ["Claims"] = "a" }),
            })
            .Policy("fine", new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "a", ["equals"] = "ok" }) });

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => config.StartAsync());

        var paths = error.Errors.Select(e => e.Path).ToArray();
        Assert.Contains("Gateway:Policies:p:Scope", paths);
        Assert.Contains("Gateway:Policies:p:Claims:0:Equal", paths);
        Assert.Contains("Gateway:Policies:p:AnyOf:0:AllOf:0:Claims:0:Exist", paths);
        Assert.Contains("Gateway:Policies:p:ClaimHeaders:0:Claims", paths);
        Assert.DoesNotContain(error.Errors, e => e.Path.StartsWith("Gateway:Policies:fine", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Errors, e => e.Path.EndsWith(":Equals", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusesToStart_WhenPolicyNamesAnUnknownIssuer()
    {
        var config = _fixture.Config().Policy("p", new JsonObject { ["Issuers"] = new JsonArray("nobody") }).Route("p", "p");

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => config.StartAsync());

        Assert.Contains(error.Errors, e => e.ToString().Contains("Gateway:Policies:p:Issuers:0", StringComparison.Ordinal) && e.ToString().Contains("nobody", StringComparison.Ordinal));
    }

    // ---- default policy ----

    [Fact]
    public async Task DefaultPolicy_WhenUnset_RequiresAnyValidToken()
    {
        Downstream.Clear();
        using var none = await _gateway.Client.GetWithTokenAsync("/api/x", null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Challenge());
        using var garbage = await _gateway.Client.GetWithTokenAsync("/api/x", "garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.Empty(Downstream.Received);

        await AssertAllowedAsync("/api/x", Token(("scope", null), ("roles", null)));
    }

    [Fact]
    public async Task DefaultPolicy_WhenNamed_AppliesToRoutesWithoutAPolicy_Only()
    {
        var config = _fixture.Config()
            .Policy("readers", new JsonObject { ["Scopes"] = new JsonArray("orders:read") })
            .Policy("admins", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Route("admin", "admins")
            .Set("DefaultPolicy", "readers");
        await using var gateway = await config.StartAsync();
        Downstream.Clear();

        using var noScope = await gateway.Client.GetWithTokenAsync("/api/x", Token());
        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Contains("scope=\"orders:read\"", noScope.Challenge());
        using var noToken = await gateway.Client.GetWithTokenAsync("/api/x", null);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Empty(Downstream.Received);

        using var withScope = await gateway.Client.GetWithTokenAsync("/api/x", Token(("scope", "orders:read")));
        Assert.Equal(HttpStatusCode.OK, withScope.StatusCode);

        // A route naming its own policy is not also subject to the default policy.
        using var admin = await gateway.Client.GetWithTokenAsync("/admin/x", Token(("roles", "admin")));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task RefusesToStart_WhenDefaultPolicyIsAnonymousOrUnknown()
    {
        var anonymous = _fixture.Config().Policy("open", new JsonObject { ["Anonymous"] = true }).Set("DefaultPolicy", "open");
        var unknown = _fixture.Config().Set("DefaultPolicy", "missing");

        var anonymousError = await Assert.ThrowsAsync<GatewayConfigurationException>(() => anonymous.StartAsync());
        var unknownError = await Assert.ThrowsAsync<GatewayConfigurationException>(() => unknown.StartAsync());

        Assert.Contains(anonymousError.Errors, e => e.ToString().Contains("Gateway:DefaultPolicy", StringComparison.Ordinal));
        Assert.Contains(unknownError.Errors, e => e.ToString().Contains("Gateway:DefaultPolicy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusesToStart_WhenAnonymousPolicyAlsoRequiresSomething()
    {
        var config = _fixture.Config().Policy("open", new JsonObject { ["Anonymous"] = true, ["Scopes"] = new JsonArray("x") }).Route("open", "open");

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => config.StartAsync());

        Assert.Contains(error.Errors, e => e.ToString().Contains("Gateway:Policies:open", StringComparison.Ordinal));
    }

    // ---- anonymous ----

    [Fact]
    public async Task Anonymous_ForwardsWithoutAToken()
    {
        await AssertAllowedWithoutTokenAsync(null);
    }

    [Fact]
    public async Task Anonymous_IgnoresAGarbageOrInvalidToken()
    {
        await AssertAllowedWithoutTokenAsync("Bearer garbage");
        await AssertAllowedWithoutTokenAsync("Bearer " + Idp.Mint(new Dictionary<string, object?> { ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), ["nbf"] = null, ["iat"] = null }));
        await AssertAllowedWithoutTokenAsync("Basic YWxpY2U6c2VjcmV0");
    }

    [Fact]
    public async Task Anonymous_IgnoresRepeatedAuthorizationHeaders()
    {
        Downstream.Clear();
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, "GET /anon/x HTTP/1.1\nHost: test\nAuthorization: Bearer a\nAuthorization: Bearer b\nConnection: close\n");
        Assert.Equal(200, response.Status);
        Downstream.Single();
    }

    [Fact]
    public async Task Anonymous_SetsNoClaimHeaders_EvenWithAValidToken()
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync("/anon/x", Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(Downstream.Single().HasHeader("X-User-Id"));
    }

    private async Task AssertAllowedWithoutTokenAsync(string? authorization)
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync("/anon/x", null, r =>
        {
            if (authorization is not null)
            {
                r.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Challenge());
        Downstream.Single();
    }

    // ---- the 403 answer ----

    [Fact]
    public async Task Forbidden_CarriesInsufficientScopeChallenge_ListingTopLevelScopes_AndProblemJson()
    {
        Downstream.Clear();
        using var response = await _gateway.Client.GetWithTokenAsync("/scopes/x", Token(("scope", "orders:read")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = response.Challenge();
        Assert.NotNull(challenge);
        Assert.StartsWith("Bearer error=\"insufficient_scope\"", challenge);
        Assert.EndsWith("scope=\"orders:read orders:write\"", challenge);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Forbidden", problem.RootElement.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("traceId").GetString()));
        Assert.Empty(Downstream.Received);
    }

    [Fact]
    public async Task Forbidden_WithoutTopLevelScopes_HasNoScopeAttribute()
    {
        foreach (var path in new[] { "/roles/x", "/eq-string/x", "/all-of/x", "/any-of/x" })
        {
            using var response = await _gateway.Client.GetWithTokenAsync(path, Token());
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.StartsWith("Bearer error=\"insufficient_scope\"", response.Challenge());
            Assert.DoesNotContain("scope=", response.Challenge()!.Replace("insufficient_scope", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Forbidden_ListsOnlyTopLevelScopes_NotNestedOnes()
    {
        using var response = await _gateway.Client.GetWithTokenAsync("/nested/x", Token());
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.EndsWith("scope=\"api\"", response.Challenge());
    }

    [Fact]
    public async Task Forbidden_NeverEchoesTheTokenOrItsClaims()
    {
        var token = Token(("scope", "orders:read"), ("tier", "secret-tier-value"));
        using var response = await _gateway.Client.GetWithTokenAsync("/scopes/x", token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret-tier-value", body);
        Assert.DoesNotContain(token, body);
        Assert.DoesNotContain("alice", body);
    }

    [Fact]
    public async Task DeniedRequests_OfEveryKind_NeverReachTheDownstream()
    {
        Downstream.Clear();
        var requests = new (string Path, string? Token)[]
        {
            ("/scopes/x", Token()),
            ("/roles/x", Token(("roles", "user"))),
            ("/tenant/x", Token(("org", new { tenant = "evil" }))),
            ("/nested/x", Token(("scope", "api"))),
            ("/second-only/x", Token()),
            ("/scopes/x", null),
            ("/scopes/x", "garbage"),
        };
        foreach (var (path, token) in requests)
        {
            using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent("{\"should\":\"never arrive\"}", System.Text.Encoding.UTF8, "application/json"),
                Headers = { Authorization = token is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token) },
            });
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
        }

        Assert.Empty(Downstream.Received);
    }
}
