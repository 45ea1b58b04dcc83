using System.Text;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// Every validation rule and binding error, each reported at its exact configuration path; every
/// error of a file reported at once, by the loader, by <c>check-config</c> and at startup.
/// </summary>
public sealed class ConfigValidationTests
{
    private static readonly Lazy<IConfigValidator> ProxyValidator = new(() =>
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddReverseProxy();
        return builder.Services.BuildServiceProvider().GetRequiredService<IConfigValidator>();
    });

    /// <summary>A minimal valid Production configuration: one issuer through discovery, one route.</summary>
    internal static JsonObject Valid() => new()
    {
        ["Gateway"] = new JsonObject
        {
            ["Issuers"] = new JsonObject
            {
                ["main"] = new JsonObject
                {
                    ["Authority"] = "https://idp.example.com",
                    ["Audiences"] = new JsonArray("api"),
                },
            },
            ["Policies"] = new JsonObject
            {
                ["p"] = new JsonObject { ["Scopes"] = new JsonArray("read") },
            },
        },
        ["ReverseProxy"] = new JsonObject
        {
            ["Routes"] = new JsonObject
            {
                ["api"] = new JsonObject
                {
                    ["ClusterId"] = "backend",
                    ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" },
                    ["Metadata"] = new JsonObject { ["Policy"] = "p" },
                },
            },
            ["Clusters"] = new JsonObject
            {
                ["backend"] = new JsonObject
                {
                    ["Destinations"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "https://backend.example.com/" } },
                },
            },
        },
    };

    private static JsonObject Gw(JsonObject root) => root["Gateway"]!.AsObject();

    private static JsonObject Issuer(JsonObject root, string name = "main") => Gw(root)["Issuers"]![name]!.AsObject();

    private static JsonObject Policies(JsonObject root) => Gw(root)["Policies"]!.AsObject();

    private static JsonObject Route(JsonObject root) => root["ReverseProxy"]!["Routes"]!["api"]!.AsObject();

    private static JsonObject Metadata(JsonObject root) => Route(root)["Metadata"]!.AsObject();

    private static JsonObject Rule(string claim, params (string Key, JsonNode? Value)[] operators)
    {
        var rule = new JsonObject { ["Claim"] = claim };
        foreach (var (key, value) in operators)
        {
            rule[key] = value;
        }

        return rule;
    }

    private static JsonArray Headers(params (string Header, string Claim)[] mappings) =>
        new(mappings.Select(m => (JsonNode)new JsonObject { ["Header"] = m.Header, ["Claim"] = m.Claim }).ToArray());

    /// <summary>Validates <paramref name="config"/> as the gateway reads it: from a file (whose exact JSON types are checked), then merged.</summary>
    internal static async Task<List<ConfigError>> ValidateAsync(JsonObject config, string environment = "Production", IDictionary<string, string?>? overrides = null)
    {
        using var file = new TempConfigFile(config.ToJsonString());
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(file.Path, optional: false)
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
            .Build();
        return await new GatewayConfigLoader(ProxyValidator.Value, environment).ValidateAsync(configuration);
    }

    private sealed record Case(Action<JsonObject> Change, string Path, string Message, bool OnlyError = true, string Environment = "Production");

    // Each case: one change to the valid configuration, the exact path of the error it causes, and part of the message.
    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Binding: unknown keys at their exact path, at any depth; values of the wrong type.
        ["unknown key in an issuer"] = new(c => Issuer(c)["Audience"] = "api", "Gateway:Issuers:main:Audience", "unknown key 'Audience'"),
        ["unknown key in Gateway"] = new(c => Gw(c)["Polices"] = new JsonObject(), "Gateway:Polices", "unknown key 'Polices'"),
        ["unknown key in a claim rule"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("a", ("Exists", true), ("Equal", "x"))), "Gateway:Policies:p:Claims:0:Equal", "unknown key 'Equal'"),
        ["unknown key in a nested group"] = new(c => Policies(c)["p"]!["AnyOf"] = new JsonArray(new JsonObject { ["Scope"] = new JsonArray("x") }), "Gateway:Policies:p:AnyOf:0:Scope", "unknown key 'Scope'"),
        ["unknown key in a claim header"] = new(c => Gw(c)["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-A", ["Claim"] = "sub", ["Name"] = "x" }), "Gateway:ClaimHeaders:0:Name", "unknown key 'Name'"),
        ["unknown key in token sources"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["Cookie"] = new JsonArray("t") }, "Gateway:TokenSources:Cookie", "unknown key 'Cookie'"),
        ["unknown key in a route"] = new(c => Route(c)["Metdata"] = new JsonObject(), "ReverseProxy:Routes:api:Metdata", "unknown key 'Metdata'"),
        ["unknown key in a cluster"] = new(c => c["ReverseProxy"]!["Clusters"]!["backend"]!["Destination"] = new JsonObject(), "ReverseProxy:Clusters:backend:Destination", "unknown key 'Destination'"),
        ["clock skew not a duration"] = new(c => Issuer(c)["ClockSkew"] = "abc", "Gateway:Issuers:main:ClockSkew", "'abc'", OnlyError: false),
        ["boolean not a boolean"] = new(c => Issuer(c)["RequireHttpsMetadata"] = "yes", "Gateway:Issuers:main:RequireHttpsMetadata", "'yes'", OnlyError: false),
        ["number not a number"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxTokenLength"] = "big" }, "Gateway:Limits:MaxTokenLength", "'big'"),

        // Issuers.
        ["no issuer"] = new(c => Gw(c)["Issuers"] = new JsonObject(), "Gateway:Issuers", "at least one issuer is required"),
        ["issuer without key source"] = new(c => Issuer(c).Remove("Authority"), "Gateway:Issuers:main", "no key source"),
        ["issuer with two key sources"] = new(c => { Issuer(c)["JwksUri"] = "https://idp.example.com/jwks"; Issuer(c)["Issuer"] = "https://idp.example.com"; }, "Gateway:Issuers:main", "more than one key source"),
        ["issuer with discovery and development"] = new(c => Issuer(c)["Development"] = true, "Gateway:Issuers:main", "more than one key source", OnlyError: false, Environment: "Development"),
        ["JwksUri without Issuer"] = new(c => { Issuer(c).Remove("Authority"); Issuer(c)["JwksUri"] = "https://idp.example.com/jwks"; }, "Gateway:Issuers:main:Issuer", "required with JwksUri"),
        ["MetadataAddress without Authority or Issuer"] = new(c => { Issuer(c).Remove("Authority"); Issuer(c)["MetadataAddress"] = "https://idp.example.com/meta"; }, "Gateway:Issuers:main:Issuer", "required with MetadataAddress"),
        ["authority not a URL"] = new(c => Issuer(c)["Authority"] = "idp.example.com", "Gateway:Issuers:main:Authority", "not an absolute http(s) URL"),
        ["http authority with RequireHttpsMetadata"] = new(c => Issuer(c)["Authority"] = "http://idp.example.com", "Gateway:Issuers:main:Authority", "plain http is refused while RequireHttpsMetadata is true"),
        ["http loopback JWKS with RequireHttpsMetadata"] = new(c => { Issuer(c).Remove("Authority"); Issuer(c)["JwksUri"] = "http://127.0.0.1:9000/jwks"; Issuer(c)["Issuer"] = "http://127.0.0.1:9000"; }, "Gateway:Issuers:main:JwksUri", "RequireHttpsMetadata is true"),
        ["http non-loopback in Production"] = new(c => { Issuer(c)["Authority"] = "http://idp.example.com"; Issuer(c)["RequireHttpsMetadata"] = false; }, "Gateway:Issuers:main:Authority", "only for loopback addresses or in the Development environment"),
        ["http non-loopback MetadataAddress in Staging"] = new(c => { Issuer(c)["MetadataAddress"] = "http://idp.example.com/meta"; Issuer(c)["RequireHttpsMetadata"] = false; }, "Gateway:Issuers:main:MetadataAddress", "only for loopback", Environment: "Staging"),
        ["algorithm none"] = new(c => Issuer(c)["Algorithms"] = new JsonArray("RS256", "none"), "Gateway:Issuers:main:Algorithms:1", "'none' can never be allowed"),
        ["algorithm NONE"] = new(c => Issuer(c)["Algorithms"] = new JsonArray("NONE"), "Gateway:Issuers:main:Algorithms:0", "'none' can never be allowed"),
        ["algorithm HS256"] = new(c => Issuer(c)["Algorithms"] = new JsonArray("HS256"), "Gateway:Issuers:main:Algorithms:0", "HMAC"),
        ["algorithm unknown"] = new(c => Issuer(c)["Algorithms"] = new JsonArray("ES256", "RS257"), "Gateway:Issuers:main:Algorithms:1", "unknown algorithm 'RS257'"),
        ["algorithm wrong case"] = new(c => Issuer(c)["Algorithms"] = new JsonArray("rs256"), "Gateway:Issuers:main:Algorithms:0", "unknown algorithm 'rs256'"),
        ["duplicate iss"] = new(c => Gw(c)["Issuers"]!["second"] = new JsonObject { ["JwksUri"] = "https://other.example.com/jwks", ["Issuer"] = "https://idp.example.com", ["Audiences"] = new JsonArray("api") }, "Gateway:Issuers:second:Issuer", "already the issuer of 'main'"),
        ["no audiences"] = new(c => Issuer(c)["Audiences"] = new JsonArray(), "Gateway:Issuers:main:Audiences", "at least one non-empty audience"),
        ["audiences missing"] = new(c => Issuer(c).Remove("Audiences"), "Gateway:Issuers:main:Audiences", "at least one non-empty audience"),
        ["empty audience"] = new(c => Issuer(c)["Audiences"] = new JsonArray("api", " "), "Gateway:Issuers:main:Audiences", "at least one non-empty audience"),
        ["clock skew too large"] = new(c => Issuer(c)["ClockSkew"] = "00:10:01", "Gateway:Issuers:main:ClockSkew", "between 00:00:00 and 00:10:00"),
        ["clock skew negative"] = new(c => Issuer(c)["ClockSkew"] = "-00:00:01", "Gateway:Issuers:main:ClockSkew", "between 00:00:00 and 00:10:00"),
        ["role claim not a path"] = new(c => Issuer(c)["RoleClaim"] = "realm_access..roles", "Gateway:Issuers:main:RoleClaim", "not a claim path"),
        ["key refresh interval zero"] = new(c => Issuer(c)["KeyRefreshInterval"] = "00:00:00", "Gateway:Issuers:main:KeyRefreshInterval", "positive duration"),
        ["unknown-kid refresh interval negative"] = new(c => Issuer(c)["UnknownKidRefreshInterval"] = "-00:00:05", "Gateway:Issuers:main:UnknownKidRefreshInterval", "positive duration"),
        ["fetch timeout zero"] = new(c => Issuer(c)["FetchTimeout"] = "00:00:00", "Gateway:Issuers:main:FetchTimeout", "positive duration"),
        ["development issuer in Production"] = new(c => Gw(c)["Issuers"]!["dev"] = new JsonObject { ["Development"] = true, ["Audiences"] = new JsonArray("dev") }, "Gateway:Issuers:dev:Development", "refused outside the Development environment"),

        // Policies.
        ["reserved policy name"] = new(c => Policies(c)["(default)"] = new JsonObject { ["Scopes"] = new JsonArray("x") }, "Gateway:Policies:(default)", "reserved"),
        ["unknown policy on a route"] = new(c => Metadata(c)["Policy"] = "nope", "ReverseProxy:Routes:api:Metadata:Policy", "unknown policy 'nope'"),
        ["policy names differ in case"] = new(c => Metadata(c)["Policy"] = "P", "ReverseProxy:Routes:api:Metadata:Policy", "unknown policy 'P'"),
        ["unknown issuer in a policy"] = new(c => Policies(c)["p"]!["Issuers"] = new JsonArray("main", "ghost"), "Gateway:Policies:p:Issuers:1", "unknown issuer 'ghost'"),
        ["anonymous with scopes"] = new(c => Policies(c)["open"] = new JsonObject { ["Anonymous"] = true, ["Scopes"] = new JsonArray("x") }, "Gateway:Policies:open", "anonymous policy cannot also require"),
        ["anonymous with issuers"] = new(c => Policies(c)["open"] = new JsonObject { ["Anonymous"] = true, ["Issuers"] = new JsonArray("main") }, "Gateway:Policies:open", "anonymous policy cannot also require"),
        ["anonymous with nested claims"] = new(c => Policies(c)["open"] = new JsonObject { ["Anonymous"] = true, ["AnyOf"] = new JsonArray(new JsonObject { ["Roles"] = new JsonArray("a") }) }, "Gateway:Policies:open", "anonymous policy cannot also require"),
        ["anonymous DefaultPolicy"] = new(c => { Policies(c)["open"] = new JsonObject { ["Anonymous"] = true }; Gw(c)["DefaultPolicy"] = "open"; }, "Gateway:DefaultPolicy", "'open' is anonymous"),
        ["unknown DefaultPolicy"] = new(c => Gw(c)["DefaultPolicy"] = "strict", "Gateway:DefaultPolicy", "unknown policy 'strict'"),
        ["claim rule without operator"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("org.tenant")), "Gateway:Policies:p:Claims:0", "set exactly one of Equals, OneOf, Exists, Contains"),
        ["claim rule with two operators"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("a", ("Exists", true)), Rule("org.tenant", ("Equals", "acme"), ("Contains", "acme"))), "Gateway:Policies:p:Claims:1", "set exactly one of"),
        ["nested claim rule with two operators"] = new(
            c => Policies(c)["p"]!["AllOf"] = new JsonArray(new JsonObject { ["AnyOf"] = new JsonArray(new JsonObject { ["Roles"] = new JsonArray("r") }, new JsonObject { ["Claims"] = new JsonArray(Rule("a", ("Exists", true), ("OneOf", new JsonArray("x")))) }) }),
            "Gateway:Policies:p:AllOf:0:AnyOf:1:Claims:0",
            "set exactly one of"),
        ["claim rule with invalid path"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("org..tenant", ("Exists", true))), "Gateway:Policies:p:Claims:0:Claim", "not a claim path"),
        ["claim rule with empty path"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("", ("Exists", true))), "Gateway:Policies:p:Claims:0:Claim", "not a claim path"),
        // An empty JSON array reaches the binder as no value at all: the rule then has no operator.
        ["claim rule OneOf empty"] = new(c => Policies(c)["p"]!["Claims"] = new JsonArray(Rule("a", ("OneOf", new JsonArray()))), "Gateway:Policies:p:Claims:0", "set exactly one of"),
        ["empty scope"] = new(c => Policies(c)["p"]!["Scopes"] = new JsonArray("read", ""), "Gateway:Policies:p:Scopes:1", "empty scope"),
        ["empty role"] = new(c => Policies(c)["p"]!["AnyOf"] = new JsonArray(new JsonObject { ["Roles"] = new JsonArray(" ") }), "Gateway:Policies:p:AnyOf:0:Roles:0", "empty role"),
        ["nesting deeper than 8"] = new(c => Policies(c)["p"]!["AllOf"] = Nest(9), "Gateway:Policies:p" + string.Concat(Enumerable.Repeat(":AllOf:0", 9)), "deeper than 8 levels"),

        // Claim headers: global, per policy, per route.
        ["invalid header name"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X User", "sub")), "Gateway:ClaimHeaders:0:Header", "not a valid header name"),
        ["empty header name"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("", "sub")), "Gateway:ClaimHeaders:0:Header", "not a valid header name"),
        ["reserved header Authorization"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X-A", "sub"), ("Authorization", "sub")), "Gateway:ClaimHeaders:1:Header", "reserved"),
        ["reserved header any case"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("x-forwarded-for", "sub")), "Gateway:ClaimHeaders:0:Header", "reserved"),
        // Review: a claim header named DPoP was stripped from every request as a spoofable identity header, before the
        // proof was read: every DPoP request was refused; with ForwardProofHeader a claim replaced the verified proof.
        ["reserved header DPoP"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("dpop", "sub")), "Gateway:ClaimHeaders:0:Header", "reserved"),
        ["reserved header DPoP-Nonce"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("DPoP-Nonce", "sub")), "Gateway:ClaimHeaders:0:Header", "reserved"),
        ["duplicate header, case-insensitive"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X-User-Id", "sub"), ("x-user-id", "email")), "Gateway:ClaimHeaders:1:Header", "duplicate header mapping 'x-user-id'"),
        ["global header removing a claim"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X-User-Id", "")), "Gateway:ClaimHeaders:0:Claim", "not a claim path"),
        ["global header with invalid claim path"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X-User-Id", ".sub")), "Gateway:ClaimHeaders:0:Claim", "not a claim path"),
        ["policy header reserved"] = new(c => Policies(c)["p"]!["ClaimHeaders"] = Headers(("Cookie", "sub")), "Gateway:Policies:p:ClaimHeaders:0:Header", "reserved"),
        ["policy header duplicate"] = new(c => Policies(c)["p"]!["ClaimHeaders"] = Headers(("X-Tenant", "org.tenant"), ("X-TENANT", "")), "Gateway:Policies:p:ClaimHeaders:1:Header", "duplicate"),
        ["policy header invalid claim"] = new(c => Policies(c)["p"]!["ClaimHeaders"] = Headers(("X-Tenant", "org.")), "Gateway:Policies:p:ClaimHeaders:0:Claim", "not a claim path"),
        ["route header reserved"] = new(c => Metadata(c)["ClaimHeader.Host"] = "sub", "ReverseProxy:Routes:api:Metadata:ClaimHeader.Host", "reserved"),
        ["route header invalid name"] = new(c => Metadata(c)["ClaimHeader.X Y"] = "sub", "ReverseProxy:Routes:api:Metadata:ClaimHeader.X Y", "not a valid header name"),
        ["route header invalid claim"] = new(c => Metadata(c)["ClaimHeader.X-Tenant"] = "org..tenant", "ReverseProxy:Routes:api:Metadata:ClaimHeader.X-Tenant", "not a claim path"),
        ["issuer header disabled"] = new(c => Gw(c)["IssuerHeader"] = "", "Gateway:IssuerHeader", "cannot be disabled"),
        ["issuer header invalid name"] = new(c => Gw(c)["IssuerHeader"] = "X Issuer", "Gateway:IssuerHeader", "not a valid header name"),
        ["issuer header reserved"] = new(c => Gw(c)["IssuerHeader"] = "Authorization", "Gateway:IssuerHeader", "reserved"),
        ["issuer header as a global claim header"] = new(c => Gw(c)["ClaimHeaders"] = Headers(("X-Auth-Issuer", "iss")), "Gateway:ClaimHeaders:0:Header", "only the gateway sets it"),
        ["renamed issuer header as a policy claim header"] = new(c => { Gw(c)["IssuerHeader"] = "X-Idp"; Policies(c)["p"]!["ClaimHeaders"] = Headers(("x-idp", "iss")); }, "Gateway:Policies:p:ClaimHeaders:0:Header", "only the gateway sets it"),
        ["issuer header as a route claim header"] = new(c => Metadata(c)["ClaimHeader.x-auth-issuer"] = "iss", "ReverseProxy:Routes:api:Metadata:ClaimHeader.x-auth-issuer", "only the gateway sets it"),
        ["issuer header as an issuer claim header"] = new(c => Issuer(c)["ClaimHeaders"] = Headers(("X-Auth-Issuer", "iss")), "Gateway:Issuers:main:ClaimHeaders:0:Header", "only the gateway sets it"),
        ["issuer header as a token header"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["Headers"] = new JsonArray("X-Auth-Issuer") }, "Gateway:TokenSources:Headers:0", "cannot carry a token"),
        ["issuer claim header reserved"] = new(c => Issuer(c)["ClaimHeaders"] = Headers(("Cookie", "sub")), "Gateway:Issuers:main:ClaimHeaders:0:Header", "reserved"),
        ["issuer claim header duplicate"] = new(c => Issuer(c)["ClaimHeaders"] = Headers(("X-User-Id", "sub"), ("x-user-id", "")), "Gateway:Issuers:main:ClaimHeaders:1:Header", "duplicate"),
        ["issuer claim header invalid claim"] = new(c => Issuer(c)["ClaimHeaders"] = Headers(("X-User-Id", "a..b")), "Gateway:Issuers:main:ClaimHeaders:0:Claim", "not a claim path"),
        ["issuer claim header unknown key"] = new(c => Issuer(c)["ClaimHeaders"] = new JsonArray(new JsonObject { ["Header"] = "X-A", ["Claim"] = "sub", ["Claims"] = "x" }), "Gateway:Issuers:main:ClaimHeaders:0:Claims", "unknown key 'Claims'"),
        ["route passes a header the gateway owns"] = new(c => Metadata(c)["PassHeaders"] = "X-Real-IP, X-User-Id", "ReverseProxy:Routes:api:Metadata:PassHeaders", "'X-User-Id' is not a header the gateway strips by default"),
        ["route host with a trailing dot"] = new(c => Route(c)["Match"] = new JsonObject { ["Path"] = "/api/{**rest}", ["Hosts"] = new JsonArray("api.example.com", "admin.example.com.") }, "ReverseProxy:Routes:api:Match:Hosts:1", "ends with a dot"),
        ["path normalization unknown"] = new(c => Gw(c)["Limits"] = new JsonObject { ["PathNormalization"] = "Lenient" }, "Gateway:Limits:PathNormalization", "'Lenient'", OnlyError: false),
        ["path normalization a number"] = new(c => Gw(c)["Limits"] = new JsonObject { ["PathNormalization"] = "7" }, "Gateway:Limits:PathNormalization", "is not one of 'Reject', 'Normalize'"),
        ["strip header invalid"] = new(c => Gw(c)["StripHeaders"] = new JsonArray("X-Ok", "X Bad"), "Gateway:StripHeaders:1", "not a valid header name"),

        // Routes and clusters.
        ["route AuthorizationPolicy"] = new(c => Route(c)["AuthorizationPolicy"] = "Default", "ReverseProxy:Routes:api:AuthorizationPolicy", "name the policy in Metadata:Policy", OnlyError: false),
        ["unknown cluster"] = new(c => Route(c)["ClusterId"] = "backnd", "ReverseProxy:Routes:api:ClusterId", "unknown cluster 'backnd'"),
        ["route without match"] = new(c => Route(c)["Match"] = new JsonObject(), "ReverseProxy:Routes:api", "did not set any match criteria"),
        ["route with invalid path pattern"] = new(c => Route(c)["Match"] = new JsonObject { ["Path"] = "/api/{**rest" }, "ReverseProxy:Routes:api", "/api/{**rest", OnlyError: false),
        ["cluster with unknown load balancing policy"] = new(c => c["ReverseProxy"]!["Clusters"]!["backend"]!["LoadBalancingPolicy"] = "Nope", "ReverseProxy:Clusters:backend", "Nope", OnlyError: false),

        // Token sources, limits, Redis, development.
        ["no token source"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["AuthorizationHeader"] = false }, "Gateway:TokenSources", "no token source is enabled"),
        ["token header invalid"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["Headers"] = new JsonArray("X Token") }, "Gateway:TokenSources:Headers:0", "not a valid header name"),
        ["token cookie empty"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["Cookies"] = new JsonArray("t", "") }, "Gateway:TokenSources:Cookies:1", "empty cookie name"),
        ["token query parameter empty"] = new(c => Gw(c)["TokenSources"] = new JsonObject { ["QueryParameters"] = new JsonArray(" ") }, "Gateway:TokenSources:QueryParameters:0", "empty parameter name"),
        ["max token length too small"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxTokenLength"] = 100 }, "Gateway:Limits:MaxTokenLength", "between 256 and 65536"),
        ["token header limit too small"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxTokenHeaderBytes"] = 10 }, "Gateway:Limits:MaxTokenHeaderBytes", "between 64 and 16384"),
        ["claim depth too large"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxClaimDepth"] = 1000 }, "Gateway:Limits:MaxClaimDepth", "between 2 and 64"),
        ["header count too small"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxRequestHeaderCount"] = 1 }, "Gateway:Limits:MaxRequestHeaderCount", "between 16 and 1000"),
        ["headers smaller than a token"] = new(c => Gw(c)["Limits"] = new JsonObject { ["MaxTokenLength"] = 60000 }, "Gateway:Limits:MaxRequestHeadersTotalSize", "room for a token"),
        ["zero header timeout"] = new(c => Gw(c)["Limits"] = new JsonObject { ["RequestHeadersTimeout"] = "00:00:00" }, "Gateway:Limits:RequestHeadersTimeout", "positive duration"),
        ["missing CA bundle"] = new(c => Gw(c)["Backchannel"] = new JsonObject { ["CaBundlePath"] = "/nonexistent/ca.pem" }, "Gateway:Backchannel:CaBundlePath", "cannot read the CA bundle"),
        ["backchannel unknown key"] = new(c => Gw(c)["Backchannel"] = new JsonObject { ["CaBundle"] = "x" }, "Gateway:Backchannel:CaBundle", "unknown key"),
        ["required type invalid"] = new(c => Issuer(c)["RequiredType"] = "at jwt", "Gateway:Issuers:main:RequiredType", "not a media type"),
        ["max token lifetime zero"] = new(c => Issuer(c)["MaxTokenLifetime"] = "00:00:00", "Gateway:Issuers:main:MaxTokenLifetime", "positive duration"),
        ["bad Redis configuration string"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "redis.example.com:6380,ssl=maybe", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test" }, "Gateway:Redis:Configuration", "not a valid StackExchange.Redis configuration string"),
        ["Redis without integrity key"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6379" }, "Gateway:Redis:IntegrityKey", "at least 32 characters"),
        ["Redis CA without TLS"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6379", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test", ["CaCertificatePath"] = "/nonexistent/ca.pem" }, "Gateway:Redis:CaCertificatePath", "needs TLS: set ssl=true"),
        ["Redis client certificate without Redis"] = new(c => Gw(c)["Redis"] = new JsonObject { ["ClientCertificatePath"] = "/nonexistent/c.pem", ["ClientKeyPath"] = "/nonexistent/c.key" }, "Gateway:Redis:ClientCertificatePath", "needs TLS: set ssl=true", OnlyError: false),
        ["Redis CA unreadable"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6380,ssl=true", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test", ["CaCertificatePath"] = "/nonexistent/ca.pem" }, "Gateway:Redis:CaCertificatePath", "cannot read the CA bundle"),
        ["Redis client certificate without key"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6380,ssl=true", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test", ["ClientCertificatePath"] = "/nonexistent/c.pem" }, "Gateway:Redis:ClientKeyPath", "required with Gateway:Redis:ClientCertificatePath"),
        ["Redis client key without certificate"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6380,ssl=true", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test", ["ClientKeyPath"] = "/nonexistent/c.key" }, "Gateway:Redis:ClientCertificatePath", "required with Gateway:Redis:ClientKeyPath"),
        ["Redis client certificate unreadable"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6380,ssl=true", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test", ["ClientCertificatePath"] = "/nonexistent/c.pem", ["ClientKeyPath"] = "/nonexistent/c.key" }, "Gateway:Redis:ClientCertificatePath", "cannot load the client certificate"),
        ["Redis integrity key too short"] = new(c => Gw(c)["Redis"] = new JsonObject { ["Configuration"] = "127.0.0.1:6379", ["IntegrityKey"] = "short" }, "Gateway:Redis:IntegrityKey", "at least 32 characters"),
        ["key cache min above max"] = new(c => Gw(c)["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "02:00:00", ["MaxRefreshInterval"] = "01:00:00" }, "Gateway:KeyCache:MinRefreshInterval", "must not be larger than MaxRefreshInterval"),
        ["token cache zero entries"] = new(c => Gw(c)["TokenCache"] = new JsonObject { ["MaxEntries"] = 0 }, "Gateway:TokenCache:MaxEntries", "between 1 and 10000000"),
        ["token cache zero lifetime"] = new(c => Gw(c)["TokenCache"] = new JsonObject { ["MaxEntryLifetime"] = "00:00:00" }, "Gateway:TokenCache:MaxEntryLifetime", "between 00:00:00.001"),
        ["token cache unknown key"] = new(c => Gw(c)["TokenCache"] = new JsonObject { ["Size"] = 10 }, "Gateway:TokenCache:Size", "unknown key 'Size'"),
        ["token cache enabled not a boolean"] = new(c => Gw(c)["TokenCache"] = new JsonObject { ["Enabled"] = "sometimes" }, "Gateway:TokenCache:Enabled", "'sometimes'"),
        ["key cache zero min refresh"] = new(c => Gw(c)["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:00" }, "Gateway:KeyCache:MinRefreshInterval", "positive duration"),
        ["Redis key prefix with a space"] = new(c => Gw(c)["Redis"] = new JsonObject { ["KeyPrefix"] = "jwt gw:" }, "Gateway:Redis:KeyPrefix", "without spaces"),
        ["demo downstream in Production"] = new(c => Gw(c)["Development"] = new JsonObject { ["DemoDownstreamUrl"] = "http://127.0.0.1:5080" }, "Gateway:Development:DemoDownstreamUrl", "refused outside the Development environment"),
        ["demo downstream not a URL"] = new(c => Gw(c)["Development"] = new JsonObject { ["DemoDownstreamUrl"] = "localhost" }, "Gateway:Development:DemoDownstreamUrl", "not an absolute URL", Environment: "Development"),
    };

    private static JsonArray Nest(int depth)
    {
        JsonObject inner = new() { ["Scopes"] = new JsonArray("x") };
        for (var i = 1; i < depth; i++)
        {
            inner = new JsonObject { ["AllOf"] = new JsonArray(inner) };
        }

        return new JsonArray(inner);
    }

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Fact]
    public async Task BaseConfiguration_IsValid()
    {
        Assert.Empty(await ValidateAsync(Valid()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReportsError_AtItsExactPath(string name)
    {
        var @case = Cases[name];
        var config = Valid();
        @case.Change(config);

        var errors = await ValidateAsync(config, @case.Environment);

        var all = string.Join("\n", errors);
        var error = Assert.Single(errors, e => e.Path == @case.Path && e.Message.Contains(@case.Message, StringComparison.Ordinal));
        if (@case.OnlyError)
        {
            Assert.True(errors.Count == 1, $"expected only '{error}', got:\n{all}");
        }
    }

    public static TheoryData<string, string> ValidVariants() => new()
    {
        { "http loopback authority without RequireHttpsMetadata", "Production" },
        { "http non-loopback authority without RequireHttpsMetadata", "Development" },
        { "development issuer", "Development" },
        { "ValidateAudience false without audiences", "Production" },
        { "claim rule Equals", "Production" },
        { "anonymous policy with claim headers", "Production" },
        { "route header removal", "Production" },
        { "namespaced claim paths", "Production" },
        { "issuer claim headers, $roles and a renamed issuer header", "Production" },
        { "full YARP route and cluster schema", "Production" },
        { "Redis configuration with password", "Production" },
        { "nesting of exactly 8", "Production" },
    };

    [Theory]
    [MemberData(nameof(ValidVariants))]
    public async Task Accepts_ValidVariant(string name, string environment)
    {
        var config = Valid();
        switch (name)
        {
            case "http loopback authority without RequireHttpsMetadata":
                Issuer(config)["Authority"] = "http://127.0.0.1:8081/realms/dev";
                Issuer(config)["RequireHttpsMetadata"] = false;
                break;
            case "http non-loopback authority without RequireHttpsMetadata":
                Issuer(config)["Authority"] = "http://keycloak:8080/realms/dev";
                Issuer(config)["RequireHttpsMetadata"] = false;
                break;
            case "development issuer":
                Gw(config)["Issuers"]!["dev"] = new JsonObject { ["Development"] = true, ["Audiences"] = new JsonArray("dev") };
                break;
            case "ValidateAudience false without audiences":
                Issuer(config).Remove("Audiences");
                Issuer(config)["ValidateAudience"] = false;
                break;
            case "claim rule Equals":
                Policies(config)["p"]!["Claims"] = new JsonArray(Rule("org.tenant", ("Equals", "acme")), Rule("email_verified", ("Equals", "true")));
                break;
            case "anonymous policy with claim headers":
                Policies(config)["open"] = new JsonObject { ["Anonymous"] = true, ["ClaimHeaders"] = Headers(("X-User-Id", "")) };
                Metadata(config)["Policy"] = "open";
                break;
            case "route header removal":
                Gw(config)["ClaimHeaders"] = Headers(("X-User-Id", "sub"), ("X-User-Email", "email"));
                Metadata(config)["ClaimHeader.X-User-Email"] = "";
                Metadata(config)["ClaimHeader.X-Tenant"] = "org.tenant";
                break;
            case "namespaced claim paths":
                Issuer(config)["RoleClaim"] = "https://example.com/roles";
                Gw(config)["ClaimHeaders"] = Headers(("X-Roles", "https://example.com/roles"));
                Policies(config)["p"]!["Claims"] = new JsonArray(Rule("https://example.com/tenant", ("Exists", true)));
                break;
            case "issuer claim headers, $roles and a renamed issuer header":
                Gw(config)["IssuerHeader"] = "X-Token-Issuer";
                Gw(config)["ClaimHeaders"] = Headers(("X-User-Id", "sub"), ("X-Roles", "$roles"), ("X-Tenant", "org.tenant"));
                Issuer(config)["ClaimHeaders"] = Headers(("X-User-Id", "oid"), ("X-Tenant", ""));
                Policies(config)["p"]!["ClaimHeaders"] = Headers(("X-Roles", "$roles"));
                Metadata(config)["ClaimHeader.X-Roles"] = "$roles";
                break;
            case "full YARP route and cluster schema":
                Route(config)["Order"] = 5;
                Route(config)["MaxRequestBodySize"] = 1048576;
                Route(config)["Match"] = JsonNode.Parse("""
                    { "Path": "/api/{**rest}", "Hosts": [ "api.example.com" ], "Methods": [ "GET" ],
                      "Headers": [ { "Name": "X-Version", "Values": [ "2" ], "Mode": "ExactHeader", "IsCaseSensitive": false } ],
                      "QueryParameters": [ { "Name": "v", "Values": [ "2" ], "Mode": "Exact" } ] }
                    """);
                Route(config)["Transforms"] = JsonNode.Parse("""[ { "PathRemovePrefix": "/api" }, { "RequestHeader": "X-From", "Set": "gateway" } ]""");
                config["ReverseProxy"]!["Clusters"]!["backend"] = JsonNode.Parse("""
                    { "LoadBalancingPolicy": "PowerOfTwoChoices",
                      "SessionAffinity": { "Enabled": true, "Policy": "Cookie", "AffinityKeyName": ".affinity" },
                      "HealthCheck": { "Passive": { "Enabled": true, "Policy": "TransportFailureRate", "ReactivationPeriod": "00:01:00" },
                                       "Active": { "Enabled": true, "Interval": "00:00:10", "Timeout": "00:00:05", "Policy": "ConsecutiveFailures", "Path": "/healthz" } },
                      "HttpClient": { "SslProtocols": "Tls12, Tls13", "MaxConnectionsPerServer": 100, "EnableMultipleHttp2Connections": true, "RequestHeaderEncoding": "utf-8" },
                      "HttpRequest": { "ActivityTimeout": "00:01:40", "Version": "2.0", "VersionPolicy": "RequestVersionOrLower", "AllowResponseBuffering": false },
                      "Metadata": { "team": "orders" },
                      "Destinations": { "b1": { "Address": "https://backend-1.example.com/", "Health": "https://backend-1.example.com/", "Metadata": { "zone": "a" } },
                                        "b2": { "Address": "https://backend-2.example.com/", "Host": "backend.example.com" } } }
                    """);
                break;
            case "Redis configuration with password":
                Gw(config)["Redis"] = new JsonObject { ["Configuration"] = "r1.example.com:6380,r2.example.com:6380,ssl=true,password=s3cr3t-from-the-vault,abortConnect=false", ["KeyPrefix"] = "gw:", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test" };
                break;
            case "nesting of exactly 8":
                Policies(config)["p"]!["AllOf"] = Nest(8);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }

        var errors = await ValidateAsync(config, environment);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task BadRedisConfiguration_NeverEchoesThePassword()
    {
        var config = Valid();
        Gw(config)["Redis"] = new JsonObject { ["Configuration"] = "redis.example.com:6380,password=hunter2-secret,connectTimeout=soon", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test" };

        var error = Assert.Single(await ValidateAsync(config));

        Assert.Equal("Gateway:Redis:Configuration", error.Path);
        Assert.DoesNotContain("hunter2-secret", error.ToString());
    }

    /// <summary>A file with many different mistakes: one run reports all of them, none hides another.</summary>
    private static JsonObject ManyErrors()
    {
        var config = Valid();
        Issuer(config)["Audience"] = "api";                                  // unknown key
        Issuer(config)["Algorithms"] = new JsonArray("HS256");               // HMAC
        Gw(config)["Issuers"]!["partner"] = new JsonObject { ["JwksUri"] = "http://partner.example.com/jwks", ["Audiences"] = new JsonArray("api") }; // http + no Issuer
        Policies(config)["p"]!["Claims"] = new JsonArray(Rule("org.tenant"));   // no operator
        Policies(config)["p"]!["Issuers"] = new JsonArray("ghost");              // unknown issuer
        Gw(config)["DefaultPolicy"] = "missing";                                  // unknown default
        Gw(config)["ClaimHeaders"] = Headers(("X-User", "sub"), ("x-user", "email")); // duplicate
        Route(config)["ClusterId"] = "nowhere";                                  // unknown cluster
        Route(config)["AuthorizationPolicy"] = "Default";                        // YARP authorization
        Gw(config)["TokenSources"] = new JsonObject { ["AuthorizationHeader"] = false }; // no token source
        Gw(config)["Redis"] = new JsonObject { ["Configuration"] = "host:1,ssl=perhaps", ["IntegrityKey"] = "0123456789abcdef0123456789abcdef-test" };
        return config;
    }

    private static readonly string[] ManyErrorPaths =
    [
        "Gateway:Issuers:main:Audience",
        "Gateway:Issuers:main:Algorithms:0",
        "Gateway:Issuers:partner:JwksUri",
        "Gateway:Issuers:partner:Issuer",
        "Gateway:Policies:p:Claims:0",
        "Gateway:Policies:p:Issuers:0",
        "Gateway:DefaultPolicy",
        "Gateway:ClaimHeaders:1:Header",
        "ReverseProxy:Routes:api:ClusterId",
        "ReverseProxy:Routes:api:AuthorizationPolicy",
        "Gateway:TokenSources",
        "Gateway:Redis:Configuration",
    ];

    [Fact]
    public async Task ReportsEveryError_OfAFile_AtOnce()
    {
        var errors = await ValidateAsync(ManyErrors());

        var paths = errors.Select(e => e.Path).ToHashSet();
        Assert.All(ManyErrorPaths, path => Assert.Contains(path, paths));
        Assert.True(paths.Count >= 10, string.Join("\n", errors));
    }

    [Fact]
    public async Task CheckConfig_InvalidFile_Exit1_EveryErrorOnStderr_NothingOnStdout()
    {
        using var file = new TempConfigFile(ManyErrors().ToJsonString());

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^.+: \d+ error\(s\) \(environment: Production; files: .+gateway\.json\)$", lines[0]);
        Assert.Equal(lines.Length - 1, int.Parse(System.Text.RegularExpressions.Regex.Match(lines[0], @": (\d+) error").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(ManyErrorPaths, path => Assert.Contains(lines, line => line.StartsWith(path + ": ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CheckConfig_ValidFile_Exit0_ValidOnStdout_NothingOnStderr()
    {
        using var file = new TempConfigFile(Valid().ToJsonString());

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.Equal(0, exit);
        Assert.Equal($"{file.Path}: valid (environment: Production; files: {file.Path})", stdout.TrimEnd());
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task CheckConfig_EnvironmentMatters_DevelopmentIssuerValidOnlyInDevelopment()
    {
        var config = Valid();
        Gw(config)["Issuers"] = new JsonObject { ["dev"] = new JsonObject { ["Development"] = true, ["Audiences"] = new JsonArray("dev") } };
        using var file = new TempConfigFile(config.ToJsonString());

        Assert.Equal(0, (await ExampleConfigTests.CheckConfigAsync(file.Path, "Development")).Exit);
        var (exit, _, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");
        Assert.Equal(1, exit);
        Assert.Contains("Gateway:Issuers:dev:Development: the development issuer is refused", stderr);
    }

    [Theory]
    [InlineData("{ \"Gateway\": { \"Issuers\": ")]
    [InlineData("Gateway:\n  Issuers: {}\n")]
    [InlineData("")]
    public async Task CheckConfig_NotJson_Exit1_NamesTheFile(string text)
    {
        using var file = new TempConfigFile(text);

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(file.Path, "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains(file.Path, stderr);
        Assert.Contains("1 error(s)", stderr);
    }

    [Fact]
    public async Task CheckConfig_MissingPath_Exit1()
    {
        var missing = Path.Combine(Path.GetTempPath(), "gateway-no-such-" + Guid.NewGuid().ToString("N"), "gateway.json");

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(missing, "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public async Task CheckConfig_BadUsage_Exit2()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        Assert.Equal(2, await Gateway.Hosting.CheckConfigCommand.RunAsync(["a.json", "b.json"], stdout, stderr));
        Assert.Equal(2, await Gateway.Hosting.CheckConfigCommand.RunAsync(["a.json", "--config", "b.json"], stdout, stderr));
        Assert.Equal(2, await Gateway.Hosting.CheckConfigCommand.RunAsync(["a.json", "--env", "Production"], stdout, stderr));
        Assert.Contains("Usage:", stderr.ToString());
        Assert.Contains("Gateway check-config [<PATH>] [options]", stderr.ToString());
        Assert.Contains("'--env'", stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task Startup_WithInvalidConfiguration_ThrowsListingEveryError()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayInstance.StartAsync(ManyErrors()));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.All(ManyErrorPaths, path => Assert.Contains(path, paths));
        Assert.All(ex.Errors, error => Assert.Contains("  " + error, ex.Message));
    }

    [Fact]
    public async Task Startup_DevelopmentIssuerInProduction_Refused()
    {
        var config = Valid();
        Gw(config)["Issuers"] = new JsonObject { ["dev"] = new JsonObject { ["Development"] = true, ["Audiences"] = new JsonArray("dev") } };

        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayInstance.StartAsync(config, "Production"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Gateway:Issuers:dev:Development", error.Path);
    }

    internal sealed class TempConfigFile : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("gateway-check-").FullName;

        public TempConfigFile(string text)
        {
            Path = System.IO.Path.Combine(_directory, "gateway.json");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
