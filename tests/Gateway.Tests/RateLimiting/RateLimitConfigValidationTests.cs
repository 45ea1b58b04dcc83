using System.Text.Json.Nodes;
using Gateway.Tests.Configuration;

namespace Gateway.Tests.RateLimiting;

/// <summary>
/// The rules of <c>Gateway:RateLimits</c>, <c>Gateway:TrustedProxies</c>, <c>Gateway:Redis:RateLimitTimeout</c> and a
/// route's <c>RateLimiterPolicy</c>: one valid baseline with a limited route, one change per case, the error at its
/// exact path (the same loader the gateway runs, on a file).
/// </summary>
public sealed class RateLimitConfigValidationTests
{
    /// <summary>The validator's baseline plus rate-limit policies "per-user" (fixed window) and "burst" (token bucket); route "api" uses "per-user".</summary>
    private static JsonObject Valid()
    {
        var config = ConfigValidationTests.Valid();
        config["Gateway"]!["RateLimits"] = new JsonObject
        {
            ["per-user"] = new JsonObject
            {
                ["Limit"] = 100,
                ["Window"] = "00:00:01",
                ["Key"] = new JsonArray("$issuer", "sub"),
                ["ExpectedReplicas"] = 3,
            },
            ["burst"] = new JsonObject
            {
                ["Algorithm"] = "TokenBucket",
                ["Limit"] = 10,
                ["Window"] = "00:01:00",
                ["Burst"] = 20,
                ["Key"] = new JsonArray("org.tenant", "client_id"),
            },
        };
        config["Gateway"]!["TrustedProxies"] = new JsonArray("10.0.0.0/8", "192.168.1.10", "fd00::/8", "::1");
        Route(config)["RateLimiterPolicy"] = "per-user";
        return config;
    }

    private static JsonObject PerUser(JsonObject root) => root["Gateway"]!["RateLimits"]!["per-user"]!.AsObject();

    private static JsonObject Burst(JsonObject root) => root["Gateway"]!["RateLimits"]!["burst"]!.AsObject();

    private static JsonObject Route(JsonObject root) => root["ReverseProxy"]!["Routes"]!["api"]!.AsObject();

    private sealed record Case(Action<JsonObject> Change, string Path, string Message);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["no limit"] = new(c => PerUser(c).Remove("Limit"), "Gateway:RateLimits:per-user:Limit", "between 1 and 1000000"),
        ["zero limit"] = new(c => PerUser(c)["Limit"] = 0, "Gateway:RateLimits:per-user:Limit", "between 1 and 1000000"),
        ["limit too large"] = new(c => PerUser(c)["Limit"] = 1_000_001, "Gateway:RateLimits:per-user:Limit", "between 1 and 1000000"),
        ["zero window"] = new(c => PerUser(c)["Window"] = "00:00:00", "Gateway:RateLimits:per-user:Window", "whole milliseconds between"),
        ["window of two days"] = new(c => PerUser(c)["Window"] = "2.00:00:00", "Gateway:RateLimits:per-user:Window", "whole milliseconds between"),
        ["window with a fraction of a millisecond"] = new(c => PerUser(c)["Window"] = "00:00:00.0015", "Gateway:RateLimits:per-user:Window", "whole milliseconds"),
        ["burst on a fixed window"] = new(c => PerUser(c)["Burst"] = 5, "Gateway:RateLimits:per-user:Burst", "only a TokenBucket has a burst"),
        ["zero burst"] = new(c => Burst(c)["Burst"] = 0, "Gateway:RateLimits:burst:Burst", "between 1 and 1000000"),
        ["no key"] = new(c => PerUser(c).Remove("Key"), "Gateway:RateLimits:per-user:Key", "list what is counted together"),
        ["empty key"] = new(c => PerUser(c)["Key"] = new JsonArray(), "Gateway:RateLimits:per-user:Key", "list what is counted together"),
        ["unknown special key part"] = new(c => PerUser(c)["Key"] = new JsonArray("sub", "$ip"), "Gateway:RateLimits:per-user:Key:1", "'$ip' is not a key part"),
        ["claim path with an empty segment"] = new(c => PerUser(c)["Key"] = new JsonArray("org..tenant"), "Gateway:RateLimits:per-user:Key:0", "is not a claim path"),
        ["key part twice"] = new(c => PerUser(c)["Key"] = new JsonArray("sub", "sub"), "Gateway:RateLimits:per-user:Key:1", "listed twice"),
        ["zero expected replicas"] = new(c => PerUser(c)["ExpectedReplicas"] = 0, "Gateway:RateLimits:per-user:ExpectedReplicas", "between 1 and 1000"),
        ["unknown key in a policy"] = new(c => PerUser(c)["Limt"] = 5, "Gateway:RateLimits:per-user:Limt", "unknown key 'Limt'"),
        ["policy named Default"] = new(c => c["Gateway"]!["RateLimits"]!["Default"] = PerUser(c).DeepClone(), "Gateway:RateLimits:Default", "reserved"),
        ["route names an unknown policy"] = new(c => Route(c)["RateLimiterPolicy"] = "per-tenant", "ReverseProxy:Routes:api:RateLimiterPolicy", "unknown rate-limit policy 'per-tenant' (configured: burst, per-user)"),
        ["route says Disable"] = new(c => Route(c)["RateLimiterPolicy"] = "Disable", "ReverseProxy:Routes:api:RateLimiterPolicy", "unknown rate-limit policy 'Disable'"),
        ["authorization policy names an unknown rate limit"] = new(c => c["Gateway"]!["Policies"]!["rl"] = new JsonObject { ["AnyValidToken"] = true, ["RateLimit"] = "per-app" }, "Gateway:Policies:rl:RateLimit", "unknown rate-limit policy 'per-app' (configured: burst, per-user)"),
        ["trusted proxy that is a host name"] = new(c => c["Gateway"]!["TrustedProxies"] = new JsonArray("10.0.0.1", "proxy.internal"), "Gateway:TrustedProxies:1", "is not an IP address"),
        ["trusted network with host bits"] = new(c => c["Gateway"]!["TrustedProxies"] = new JsonArray("10.0.0.1/8"), "Gateway:TrustedProxies:0", "no host bits set"),
        ["trusted network prefix too long"] = new(c => c["Gateway"]!["TrustedProxies"] = new JsonArray("10.0.0.0/33"), "Gateway:TrustedProxies:0", "is not an IP address"),
        ["zero rate-limit timeout"] = new(c => c["Gateway"]!["Redis"] = new JsonObject { ["RateLimitTimeout"] = "00:00:00" }, "Gateway:Redis:RateLimitTimeout", "between 00:00:00.001 and 00:00:01"),
        ["rate-limit timeout of two seconds"] = new(c => c["Gateway"]!["Redis"] = new JsonObject { ["RateLimitTimeout"] = "00:00:02" }, "Gateway:Redis:RateLimitTimeout", "between 00:00:00.001 and 00:00:01"),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    // A value of the wrong type leaves the policy unbound: the route naming it is reported too (it has no valid policy).
    [Theory]
    [InlineData("Limit", "many", "expected an integer, found the string 'many'")]
    [InlineData("Algorithm", "SlidingLog", "'SlidingLog' is not one of 'FixedWindow', 'TokenBucket'")]
    public async Task ValueOfTheWrongType_IsReportedAtItsPath(string key, string value, string message)
    {
        var config = Valid();
        PerUser(config)[key] = value;

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path == $"Gateway:RateLimits:per-user:{key}" && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "ReverseProxy:Routes:api:RateLimiterPolicy");
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public async Task Baseline_IsValid()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReportsError_AtItsExactPath(string name)
    {
        var @case = Cases[name];
        var config = Valid();
        @case.Change(config);

        var errors = await ConfigValidationTests.ValidateAsync(config);

        var all = string.Join("\n", errors);
        Assert.True(errors.Any(e => e.Path == @case.Path && e.Message.Contains(@case.Message, StringComparison.Ordinal)), $"expected {@case.Path}: …{@case.Message}…, got:\n{all}");
        Assert.True(errors.Count == 1, $"expected one error, got:\n{all}");
    }
}
