using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// Identity a downstream can trust, with two real issuers: <c>corp</c> (the shared test IdP, roles in
/// <c>realm_access.roles</c>) and <c>partners</c> (a second IdP, roles in <c>roles</c>). The issuer that
/// authenticated a request is always named in the issuer header (so equal claims from two issuers never look
/// the same), claim headers can differ per issuer, and <c>$roles</c> forwards exactly the claim the policy's
/// role check read for that issuer.
/// </summary>
public sealed class IssuerIdentityForwardingTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private TestIdentityProvider _partners = null!;
    private GatewayInstance _gateway = null!;

    public IssuerIdentityForwardingTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private RecordingDownstream Downstream => _fixture.Downstream;

    public async Task InitializeAsync()
    {
        Downstream.Clear();
        _partners = await TestIdentityProvider.StartAsync();
        _gateway = await TwoIssuers().StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _partners.DisposeAsync();
    }

    /// <summary>
    /// Issuers corp and partners; /api on the built-in default policy (any issuer), /admin needs role admin,
    /// /anon is anonymous, /mine overrides X-User-Id on the route. Global headers: X-User-Id (sub), X-User-Roles ($roles),
    /// X-Tenant; partners maps X-User-Id to client_id and removes X-Tenant.
    /// </summary>
    private TestConfig TwoIssuers()
    {
        var config = _fixture.Config()
            .ClaimHeaders(("X-User-Id", "sub"), ("X-User-Roles", "$roles"), ("X-Tenant", "tenant"))
            .Policy("admin", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Policy("anon", new JsonObject { ["Anonymous"] = true })
            .Route("admin", "admin")
            .Route("anon", "anon")
            .Route("mine", null, new JsonObject { ["ClaimHeader.X-User-Id"] = "email" });
        var issuers = config.Gateway["Issuers"]!.AsObject();
        var corp = config.Issuer.DeepClone().AsObject();
        corp["RoleClaim"] = "realm_access.roles";
        issuers.Remove("test");
        issuers["corp"] = corp;
        issuers["partners"] = new JsonObject
        {
            ["Authority"] = _partners.Issuer,
            ["RequireHttpsMetadata"] = false,
            ["Audiences"] = new JsonArray("api"),
            ["ClaimHeaders"] = new JsonArray(
                new JsonObject { ["Header"] = "X-User-Id", ["Claim"] = "client_id" },
                new JsonObject { ["Header"] = "X-Tenant", ["Claim"] = "" }),
        };
        return config;
    }

    private string Corp(params (string Name, object? Value)[] claims) => _fixture.Idp.Mint(claims.ToDictionary(c => c.Name, c => c.Value));

    private string Partner(params (string Name, object? Value)[] claims) => _partners.Mint(claims.ToDictionary(c => c.Name, c => c.Value));

    private async Task<ReceivedRequest> ForwardAsync(string path, string? token, Action<HttpRequestMessage>? configure = null, GatewayInstance? gateway = null)
    {
        Downstream.Clear();
        using var response = await (gateway ?? _gateway).Client.GetWithTokenAsync(path, token, configure);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Downstream.Single();
    }

    private static void Spoof(HttpRequestMessage request, params string[] names)
    {
        foreach (var name in names)
        {
            request.Headers.TryAddWithoutValidation(name, "corp");
        }
    }

    [Fact]
    public async Task TwoIssuers_SameClaims_CanBeToldApart_ByTheIssuerHeader()
    {
        (string, object?)[] same = [("sub", "alice"), ("client_id", "alice"), ("roles", new[] { "admin" }), ("realm_access", new { roles = new[] { "admin" } })];

        var fromCorp = await ForwardAsync("/api/x", Corp(same));
        var fromPartners = await ForwardAsync("/api/x", Partner(same));

        Assert.Equal("corp", fromCorp.Header("X-Auth-Issuer"));
        Assert.Equal("partners", fromPartners.Header("X-Auth-Issuer"));
        Assert.Equal(fromCorp.Header("X-User-Id"), fromPartners.Header("X-User-Id"));
        Assert.Equal(fromCorp.Header("X-User-Roles"), fromPartners.Header("X-User-Roles"));
    }

    [Theory]
    [InlineData("/api/x")]
    [InlineData("/admin/x")]
    public async Task IssuerHeader_SentByTheClient_IsReplacedByTheAuthenticatingIssuer(string path)
    {
        var received = await ForwardAsync(path, Partner(("roles", new[] { "admin" })), r => Spoof(r, "X-Auth-Issuer", "x-auth-issuer", "X_Auth_Issuer"));

        Assert.Equal("partners", Assert.Single(received.Headers["X-Auth-Issuer"]));
        Assert.False(received.HasHeader("X_Auth_Issuer"));
    }

    [Fact]
    public async Task IssuerHeader_SentByTheClient_IsStripped_OnAnonymousRoutes()
    {
        var received = await ForwardAsync("/anon/x", null, r => Spoof(r, "X-Auth-Issuer", "X_AUTH_ISSUER"));

        Assert.False(received.HasHeader("X-Auth-Issuer"));
        Assert.False(received.HasHeader("X_AUTH_ISSUER"));
    }

    [Fact]
    public async Task IssuerHeader_CanBeRenamed_AndTheNewNameIsOwned()
    {
        await using var gateway = await TwoIssuers().Set("IssuerHeader", "X-Token-Issuer").StartAsync();

        var received = await ForwardAsync("/api/x", Corp(), r => Spoof(r, "X-Token-Issuer", "X-Auth-Issuer"), gateway);
        var anonymous = await ForwardAsync("/anon/x", null, r => Spoof(r, "X-Token-Issuer", "X-Auth-Issuer"), gateway);

        Assert.Equal("corp", Assert.Single(received.Headers["X-Token-Issuer"]));
        Assert.False(anonymous.HasHeader("X-Token-Issuer"));

        // The default name stays the gateway's: a downstream still reading it never gets a client's copy.
        Assert.False(received.HasHeader("X-Auth-Issuer"));
        Assert.False(anonymous.HasHeader("X-Auth-Issuer"));
    }

    [Fact]
    public async Task IssuerHeaderAndIssuerClaimHeaders_FollowAHotReload()
    {
        var changed = TwoIssuers().Set("IssuerHeader", "X-Token-Issuer");
        changed.Gateway["Issuers"]!["partners"]!["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-User-Id", ["Claim"] = "email" });

        Assert.True(await _gateway.RewriteConfigAsync(changed.Build()), _gateway.Logs.AllText());

        var received = await ForwardAsync("/api/x", Partner(("email", "p@example.net"), ("client_id", "app-1"), ("tenant", "acme")), r => Spoof(r, "X-Token-Issuer"));
        Assert.Equal("partners", Assert.Single(received.Headers["X-Token-Issuer"]));
        Assert.False(received.HasHeader("X-Auth-Issuer"));
        Assert.Equal("p@example.net", received.Header("X-User-Id"));
        Assert.Equal("acme", received.Header("X-Tenant")); // no longer removed for partners
    }

    [Fact]
    public async Task RolesHeader_IsTheClaimThePolicyChecked_ForEachIssuer()
    {
        // Each token also carries the other issuer's role claim, with a role the policy must not see.
        var corp = Corp(("realm_access", new { roles = new[] { "admin", "user" } }), ("roles", new[] { "root" }));
        var partner = Partner(("roles", new[] { "admin" }), ("realm_access", new { roles = new[] { "root" } }));

        var fromCorp = await ForwardAsync("/admin/x", corp);
        var fromPartners = await ForwardAsync("/admin/x", partner);

        Assert.Equal("admin,user", fromCorp.Header("X-User-Roles"));
        Assert.Equal("admin", fromPartners.Header("X-User-Roles"));
    }

    [Fact]
    public async Task RolesHeader_NeverCarries_ARoleFromAClaimThePolicyDidNotRead()
    {
        // corp's roles live in realm_access.roles: a "roles" claim with admin neither passes the policy nor reaches the header.
        var token = Corp(("realm_access", new { roles = new[] { "user" } }), ("roles", new[] { "admin" }));

        using var refused = await _gateway.Client.GetWithTokenAsync("/admin/x", token);
        var received = await ForwardAsync("/api/x", token);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("user", received.Header("X-User-Roles"));
    }

    [Fact]
    public async Task ClaimHeaders_DifferPerIssuer()
    {
        var fromCorp = await ForwardAsync("/api/x", Corp(("sub", "alice"), ("client_id", "app-1"), ("tenant", "acme")));
        var fromPartners = await ForwardAsync("/api/x", Partner(("sub", "alice"), ("client_id", "app-1"), ("tenant", "acme")), r => Spoof(r, "X-Tenant"));

        Assert.Equal("alice", fromCorp.Header("X-User-Id"));
        Assert.Equal("acme", fromCorp.Header("X-Tenant"));
        Assert.Equal("app-1", fromPartners.Header("X-User-Id")); // the issuer's mapping overrides the global one
        Assert.False(fromPartners.HasHeader("X-Tenant")); // removed for this issuer; the spoofed copy stripped
    }

    [Fact]
    public async Task RouteClaimHeaders_OverrideIssuerClaimHeaders()
    {
        var received = await ForwardAsync("/mine/x", Partner(("client_id", "app-1"), ("email", "p@example.net")));

        Assert.Equal("p@example.net", received.Header("X-User-Id"));
        Assert.Equal("partners", received.Header("X-Auth-Issuer"));
    }

    [Fact]
    public async Task APolicyAcceptingOneIssuer_StillNamesIt()
    {
        var config = TwoIssuers().Policy("corp-only", new JsonObject { ["Issuers"] = new JsonArray("corp") }).Route("corp", "corp-only");
        await using var gateway = await config.StartAsync();

        var received = await ForwardAsync("/corp/x", Corp(), gateway: gateway);
        using var refused = await gateway.Client.GetWithTokenAsync("/corp/x", Partner());

        Assert.Equal("corp", received.Header("X-Auth-Issuer"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
