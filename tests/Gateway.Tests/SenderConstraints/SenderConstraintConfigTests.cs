using System.Text.Json.Nodes;
using Gateway.Tests.Configuration;

namespace Gateway.Tests.SenderConstraints;

/// <summary>Gateway:Dpop, Gateway:CertificateBinding and the issuers' and policies' binding settings: each mistake at its exact path.</summary>
public sealed class SenderConstraintConfigTests
{
    public static TheoryData<string, string, string> Invalid() => new()
    {
        { """{"Dpop":{"Algorithms":["ES256","HS256"]}}""", "Gateway:Dpop:Algorithms:1", "'HS256' is not one of 'ES256'" },
        { """{"Dpop":{"Algorithms":["none"]}}""", "Gateway:Dpop:Algorithms:0", "'none'" },
        { """{"Dpop":{"Algorithms":"ES256"}}""", "Gateway:Dpop:Algorithms", "expected a list" },
        { """{"Dpop":{"ProofMaxAge":"00:00:00"}}""", "Gateway:Dpop:ProofMaxAge", "between" },
        { """{"Dpop":{"ProofMaxAge":"300"}}""", "Gateway:Dpop:ProofMaxAge", "300" },
        { """{"Dpop":{"ProofClockSkew":"00:10:00"}}""", "Gateway:Dpop:ProofClockSkew", "between" },
        { """{"Dpop":{"PublicOrigins":["https://api.example.com/"]}}""", "Gateway:Dpop:PublicOrigins:0", "is not an origin" },
        { """{"Dpop":{"PublicOrigins":["https://api.example.com/v1"]}}""", "Gateway:Dpop:PublicOrigins:0", "is not an origin" },
        { """{"Dpop":{"PublicOrigins":["api.example.com"]}}""", "Gateway:Dpop:PublicOrigins:0", "is not an origin" },
        { """{"Dpop":{"RequireNonce":true}}""", "Gateway:Dpop:NonceKey", "required with RequireNonce" },
        { """{"Dpop":{"RequireNonce":true,"NonceKey":"short"}}""", "Gateway:Dpop:NonceKey", "at least 32 characters" },
        { """{"Dpop":{"RequireNonce":true,"NonceKey":"CHANGE_ME-0123456789abcdef0123456789"}}""", "Gateway:Dpop:NonceKey", "placeholder" },
        { """{"Dpop":{"NonceLifetime":"00:00:01"}}""", "Gateway:Dpop:NonceLifetime", "between" },
        { """{"Dpop":{"ReplayCacheMaxEntries":10}}""", "Gateway:Dpop:ReplayCacheMaxEntries", "between" },
        { """{"Dpop":{"MaxProofLength":100}}""", "Gateway:Dpop:MaxProofLength", "between" },
        { """{"Dpop":{"ForwardProof":true}}""", "Gateway:Dpop:ForwardProof", "unknown key 'ForwardProof'" },
        { """{"Dpop":{"ForwardProofHeader":"yes"}}""", "Gateway:Dpop:ForwardProofHeader", "'yes'" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"X-Client-Cert"}}""", "Gateway:CertificateBinding:TrustedProxies", "required with ClientCertificateHeader" },
        { """{"CertificateBinding":{"TrustedProxies":["10.0.0.1"]}}""", "Gateway:CertificateBinding:TrustedProxies", "has no effect without ClientCertificateHeader" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"X-Client-Cert","TrustedProxies":["10.0.0.300"]}}""", "Gateway:CertificateBinding:TrustedProxies:0", "is not an IP address or network" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"X-Client-Cert","TrustedProxies":["10.0.0.0/33"]}}""", "Gateway:CertificateBinding:TrustedProxies:0", "is not an IP address or network" },
        // Review: host bits set would silently widen the trust to the whole network (10.0.0.5/8 read as 10.0.0.0/8), as
        // Gateway:TrustedProxies already refuses; a scoped IPv6 address names an interface, not a proxy.
        { """{"CertificateBinding":{"ClientCertificateHeader":"X-Client-Cert","TrustedProxies":["10.0.0.5/8"]}}""", "Gateway:CertificateBinding:TrustedProxies:0", "no host bits set" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"X-Client-Cert","TrustedProxies":["fe80::1%2"]}}""", "Gateway:CertificateBinding:TrustedProxies:0", "is not an IP address or network" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"Authorization","TrustedProxies":["10.0.0.1"]}}""", "Gateway:CertificateBinding:ClientCertificateHeader", "is reserved" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"DPoP","TrustedProxies":["10.0.0.1"]}}""", "Gateway:CertificateBinding:ClientCertificateHeader", "another meaning" },
        { """{"CertificateBinding":{"ClientCertificateHeader":"X Client","TrustedProxies":["10.0.0.1"]}}""", "Gateway:CertificateBinding:ClientCertificateHeader", "" },
        { """{"CertificateBinding":{"ValidateClientCertificateChain":"no"}}""", "Gateway:CertificateBinding:ValidateClientCertificateChain", "'no'" },
        { """{"CertificateBinding":{"TrustedProxy":["10.0.0.1"]}}""", "Gateway:CertificateBinding:TrustedProxy", "unknown key 'TrustedProxy'" },
        { """{"Issuers":{"main":{"Authority":"https://idp.example.com","Audiences":["api"],"Dpop":"Requred"}}}""", "Gateway:Issuers:main:Dpop", "Requred" },
        { """{"Policies":{"p":{"Scopes":["read"],"Dpop":"Always"}}}""", "Gateway:Policies:p:Dpop", "Always" },
        { """{"Policies":{"p":{"Scopes":["read"],"RequireCertificateBoundToken":"true"}}}""", "Gateway:Policies:p:RequireCertificateBoundToken", "'true'" },
        { """{"Policies":{"p":{"Scopes":["read"]},"open":{"Anonymous":true,"Dpop":"Required"}}}""", "Gateway:Policies:open:Dpop", "anonymous policy" },
        { """{"Policies":{"p":{"Scopes":["read"]},"open":{"Anonymous":true,"RequireCertificateBoundToken":true}}}""", "Gateway:Policies:open:RequireCertificateBoundToken", "anonymous policy" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Rejects_AtItsPath(string gatewayPart, string path, string message)
    {
        var config = ConfigValidationTests.Valid();
        foreach (var (key, value) in JsonNode.Parse(gatewayPart)!.AsObject())
        {
            config["Gateway"]![key] = value!.DeepClone();
        }

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.True(errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)), string.Join("\n", errors.Select(e => $"{e.Path}: {e.Message}")));
    }

    [Fact]
    public async Task AFullSenderConstrainedConfiguration_IsValid()
    {
        var config = ConfigValidationTests.Valid();
        var gateway = config["Gateway"]!.AsObject();
        gateway["Issuers"]!["main"]!["Dpop"] = "Required";
        gateway["Policies"]!["p"]!["Dpop"] = "Allowed";
        gateway["Policies"]!["p"]!["RequireCertificateBoundToken"] = true;
        gateway["Dpop"] = JsonNode.Parse("""{"Algorithms":["ES256","PS256"],"ProofMaxAge":"00:02:00","ProofClockSkew":"00:00:10","PublicOrigins":["https://api.example.com","https://[::1]:8443"],"RequireNonce":true,"NonceKey":"nonce-key-0123456789abcdef0123456789","NonceLifetime":"00:05:00","ForwardProofHeader":false,"ReplayCacheMaxEntries":50000,"MaxProofLength":4096}""");
        gateway["CertificateBinding"] = JsonNode.Parse("""{"ValidateClientCertificateChain":false,"ClientCertificateHeader":"X-Client-Cert","TrustedProxies":["10.0.0.5","10.1.0.0/16","fd00::/8"]}""");

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Empty(errors);
    }
}
