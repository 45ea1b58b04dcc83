using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Forwarding;
using Gateway.Keys;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Benchmarks;

/// <summary>What the load benchmark's gateway runs: one RS256 issuer, a policy with a scope and a role, four claim headers.</summary>
internal sealed class BenchmarkSetup
{
    public const string Issuer = "https://bench-idp.example";

    public BenchmarkSetup()
    {
        var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-1" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = "rsa-1" });
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", n = jwk.N, e = jwk.E } } });
        var settings = new KeySourceSettings("bench", "bench:jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(1));
        Keys = new IssuerKeyManager(settings, new StaticFetcher(jwks), MemoryOnlyKeyStore.Instance, TimeProvider.System, NullLogger.Instance);
        _ = Keys.GetKeysAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        IssuerProvider = new IssuerProvider("bench", Issuer, ["api"], true, ["RS256", "ES256"], TimeSpan.FromSeconds(60), ClaimPath.Parse("roles"), Keys);
        Issuers = new IssuerRegistry([IssuerProvider]);
        Policy = PolicyCompiler.Compile("bench", new PolicyOptions { Scopes = ["orders:read"], Roles = ["admin"] });
        Headers = new ClaimHeaderPlan(GatewayOptions.DefaultIssuerHeader,
        [
            new IssuerClaimHeaders("bench",
            [
                new ClaimHeaderMapping("X-User-Id", ClaimPath.Parse("sub")),
                new ClaimHeaderMapping("X-User-Scopes", ClaimPath.Parse("scope")),
                new ClaimHeaderMapping("X-User-Roles", ClaimPath.Parse("roles")),
                new ClaimHeaderMapping("X-Tenant", ClaimPath.Parse("tenant")),
            ]),
        ]);
        Stripper = new IdentityHeaderStripper(Headers.MappingsFor("bench").Select(m => m.Header).Append(Headers.IssuerHeader));
        Extractor = new TokenExtractor(new TokenSourceOptions());
        SigningKey = rsa;
    }

    public IssuerKeyManager Keys { get; }

    public IssuerProvider IssuerProvider { get; }

    public IssuerRegistry Issuers { get; }

    public CompiledPolicy Policy { get; }

    public ClaimHeaderPlan Headers { get; }

    public IdentityHeaderStripper Stripper { get; }

    public TokenExtractor Extractor { get; }

    public RsaSecurityKey SigningKey { get; }

    public string Mint(string subject = "alice")
    {
        var now = DateTimeOffset.UtcNow;
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["aud"] = "api", ["sub"] = subject, ["scope"] = "orders:read orders:write",
            ["roles"] = new[] { "admin", "user" }, ["tenant"] = "acme",
            ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddHours(2).ToUnixTimeSeconds(),
        });
        return new JsonWebTokenHandler().CreateToken(payload, new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256));
    }

    private sealed class StaticFetcher(string jwks) : IKeyDocumentFetcher
    {
        public string SourceAddress => "bench:jwks";

        public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken) => Task.FromResult(new KeyDocument(jwks, DateTimeOffset.UtcNow));
    }
}
