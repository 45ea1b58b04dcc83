using System.Text.Json;
using Gateway.Configuration;
using Gateway.Policies;
using Gateway.Tokens;

namespace Gateway.UnitTests.Policies;

/// <summary>
/// The policy evaluator with and without a trace: the same decision either way (the request path evaluates untraced,
/// refusals and <c>explain</c> traced), every requirement recorded with its configuration path and the claim value it
/// saw, and the failed requirement named the way an operator would look for it.
/// </summary>
public sealed class PolicyTraceTests
{
    private static readonly TokenIssuer Corp = new("corp", ClaimPath.Parse("roles"));

    private static readonly PolicyOptions Orders = new()
    {
        Issuers = ["corp"],
        Scopes = ["orders:read"],
        Roles = ["clerk"],
        Claims = [new ClaimRuleOptions { Claim = "org.tenant", EqualTo = "acme" }],
        AnyOf =
        [
            new RequirementOptions { Roles = ["admin"] },
            new RequirementOptions { Scopes = ["orders:write"], Claims = [new ClaimRuleOptions { Claim = "mfa", Exists = true }] },
        ],
    };

    private static TokenClaims Claims(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    [Fact]
    public void FailedRequirement_IsTheFirstFailedCheck_WithItsPathAndTheValueItSaw()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        var claims = Claims("""{"scope":"orders:read","roles":["clerk"],"org":{"tenant":"globex"},"mfa":true}""");

        var (decision, trace) = policy.Explain(claims, Corp);

        Assert.Equal(PolicyDecision.Forbidden, decision);
        var failed = Assert.IsType<RequirementResult>(trace.FailedRequirement);
        Assert.Equal("Gateway:Policies:orders:Claims:0", failed.Path);
        Assert.Equal("claim org.tenant equal to \"acme\"", failed.Description);
        Assert.Equal("\"globex\"", failed.Seen);

        // Every requirement is recorded, passed ones too, each with its path.
        Assert.Contains(trace.Results, r => r.Path == "Gateway:Policies:orders:Scopes:0" && r.Passed && r.Seen == "scope=\"orders:read\"");
        Assert.Contains(trace.Results, r => r.Path == "Gateway:Policies:orders:Roles:0" && r.Passed && r.Seen == "[\"clerk\"]");
        Assert.Contains(trace.Results, r => r.Path == "Gateway:Policies:orders:Issuers" && r.Passed);
    }

    [Fact]
    public void AnyOfWithNoAlternativeHolding_IsTheFailedRequirement_AndItsAlternativesAreShownBelowIt()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        var claims = Claims("""{"scope":"orders:read","roles":["clerk"],"org":{"tenant":"acme"}}""");

        var (decision, trace) = policy.Explain(claims, Corp);

        Assert.Equal(PolicyDecision.Forbidden, decision);
        var failed = trace.FailedRequirement!;
        Assert.Equal("Gateway:Policies:orders:AnyOf", failed.Path);
        Assert.Equal(RequirementKind.AnyOf, failed.Kind);
        var anyOf = trace.Results.ToList().FindIndex(r => r.Path == failed.Path);
        Assert.Equal(["Gateway:Policies:orders:AnyOf:0:Roles:0", "Gateway:Policies:orders:AnyOf:1", "Gateway:Policies:orders:AnyOf:1:Scopes:0", "Gateway:Policies:orders:AnyOf:1:Claims:0"],
            trace.Results.Skip(anyOf + 1).Select(r => r.Path));
        Assert.All(trace.Results.Skip(anyOf + 1), r => Assert.True(r.Depth > failed.Depth));
        Assert.Contains(trace.Results, r => r.Path == "Gateway:Policies:orders:AnyOf:1:Claims:0" && r.Seen == "(absent)" && !r.Passed);
    }

    [Fact]
    public void IssuerNotAccepted_IsTheFailedRequirement_EvenWhenTheClaimsWouldPass()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        var claims = Claims("""{"scope":"orders:read","roles":["clerk","admin"],"org":{"tenant":"acme"}}""");

        var (decision, trace) = policy.Explain(claims, new TokenIssuer("partner", ClaimPath.Parse("roles")));

        Assert.Equal(PolicyDecision.IssuerNotAccepted, decision);
        Assert.Equal("Gateway:Policies:orders:Issuers", trace.FailedRequirement!.Path);
        Assert.Equal("\"partner\"", trace.FailedRequirement.Seen);
    }

    [Fact]
    public void AllowedRequest_HasNoFailedRequirement()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        var (decision, trace) = policy.Explain(Claims("""{"scope":"orders:read","roles":["clerk","admin"],"org":{"tenant":"acme"}}"""), Corp);

        Assert.Equal(PolicyDecision.Allow, decision);
        Assert.Null(trace.FailedRequirement);
        Assert.All(trace.Results.Where(r => r.Depth == 0), r => Assert.True(r.Passed, r.Path));
    }

    /// <summary>The request path's evaluation (no trace) allocates nothing once the claims' scopes and roles are read.</summary>
    [Fact]
    public void UntracedEvaluation_AllocatesNothing()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        var claims = Claims("""{"scope":"orders:read","roles":["clerk","admin"],"org":{"tenant":"acme"}}""");
        var denied = Claims("""{"scope":"orders:read","roles":["clerk"],"org":{"tenant":"acme"}}""");
        for (var i = 0; i < 100; i++)
        {
            policy.Evaluate(claims, Corp);
            policy.Evaluate(denied, Corp);
        }

        var allowed = 0;
        var forbidden = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            allowed += policy.Evaluate(claims, Corp) == PolicyDecision.Allow ? 1 : 0;
            forbidden += policy.Evaluate(denied, Corp) == PolicyDecision.Forbidden ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((1000, 1000), (allowed, forbidden));
        Assert.Equal(0, allocated);
    }

    /// <summary>The traced and the untraced evaluation are one method: they never disagree (a corpus of claim sets).</summary>
    [Fact]
    public void TracedAndUntracedEvaluation_DecideAlike()
    {
        var policy = PolicyCompiler.Compile("orders", Orders);
        string[] scopes = ["", "orders:read", "orders:read orders:write"];
        string[] roles = ["[]", "[\"clerk\"]", "[\"clerk\",\"admin\"]", "\"clerk\""];
        string[] tenants = ["", ",\"org\":{\"tenant\":\"acme\"}", ",\"org\":{\"tenant\":\"globex\"}", ",\"org.tenant\":\"acme\""];
        string[] mfa = ["", ",\"mfa\":true", ",\"mfa\":null"];
        var seen = new HashSet<PolicyDecision>();
        foreach (var issuer in new[] { Corp, new TokenIssuer("partner", ClaimPath.Parse("roles")) })
        {
            foreach (var (scope, role, tenant, factor) in scopes.SelectMany(s => roles.SelectMany(r => tenants.SelectMany(t => mfa.Select(m => (s, r, t, m))))))
            {
                var claims = Claims($$"""{"scope":"{{scope}}","roles":{{role}}{{tenant}}{{factor}}}""");
                var untraced = policy.Evaluate(claims, issuer);
                var (traced, trace) = policy.Explain(claims, issuer);
                Assert.Equal(untraced, traced);
                Assert.Equal(untraced == PolicyDecision.Allow, trace.FailedRequirement is null);
                seen.Add(untraced);
            }
        }

        Assert.Equal(3, seen.Count); // the corpus reaches every decision
    }
}
