using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Configuration;
using Gateway.SenderConstraints;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Benchmarks;

/// <summary>
/// What a DPoP request costs on top of a bearer request: the proof verification of RFC 9449 §4.3 (parsing, the
/// signature, <c>htu</c> normalisation, <c>ath</c>, the key thumbprint), for an ES256 and a PS256 proof, and the replay
/// check in memory (one insert of a new proof id). With Redis, one <c>SET NX</c> round trip comes on top.
/// </summary>
[MemoryDiagnoser]
public class DpopBenchmarks
{
    private const string Url = "https://api.example.com/orders/42";
    private DpopProofVerifier _verifier = null!;
    private MemoryDpopReplayCache _replay = null!;
    private string _proof = null!;
    private string _token = null!;
    private string _jkt = null!;
    private DateTimeOffset _now;
    private ulong _next;

    [Params("ES256", "PS256")]
    public string Algorithm { get; set; } = "ES256";

    [GlobalSetup]
    public void Setup()
    {
        _verifier = new DpopProofVerifier(DpopOptions.SupportedAlgorithms.ToArray(), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), 4096, [], null);
        _replay = new MemoryDpopReplayCache(200_000, TimeProvider.System);
        _now = DateTimeOffset.UtcNow;
        _token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0." + Base64UrlEncoder.Encode("{\"sub\":\"alice\",\"cnf\":{\"jkt\":\"x\"}}") + "." + new string('s', 342);
        Dictionary<string, string> jwk;
        Func<byte[], byte[]> sign;
        if (Algorithm == "ES256")
        {
            var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var p = ec.ExportParameters(false);
            jwk = new() { ["crv"] = "P-256", ["kty"] = "EC", ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!) };
            sign = data => ec.SignData(data, HashAlgorithmName.SHA256);
        }
        else
        {
            var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(false);
            jwk = new() { ["e"] = Base64UrlEncoder.Encode(p.Exponent!), ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(p.Modulus!) };
            sign = data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }

        _jkt = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(jwk))));
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object> { ["typ"] = "dpop+jwt", ["alg"] = Algorithm, ["jwk"] = jwk }));
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N"), ["htm"] = "GET", ["htu"] = Url, ["iat"] = _now.ToUnixTimeSeconds(), ["ath"] = DpopProofVerifier.AccessTokenHash(_token),
        }));
        _proof = header + "." + payload + "." + Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(header + "." + payload)));
        if ((BindingStatus)Verify() != BindingStatus.Valid)
        {
            throw new InvalidOperationException("the benchmark proof does not verify: " + (BindingStatus)Verify());
        }
    }

    [Benchmark(Description = "DPoP proof verification")]
    public int Verify() =>
        (int)_verifier.Verify(_proof, "GET", "https://api.example.com", "/orders/42", _token, _jkt, _now).Status;

    // 100,000 ids in turn, each expired by its next use (retention zero): every call records a proof as first seen,
    // without filling the store (a full store would measure the refusal instead).
    [Benchmark(Description = "replay check, memory (proof id first seen)")]
    public int RememberNewProof() => (int)_replay.TryUse(_next++ % 100_000, TimeSpan.Zero);
}
