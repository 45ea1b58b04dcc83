using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Keys;
using Gateway.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Gateway.Benchmarks;

/// <summary>
/// The validation path a token takes when the validated-token cache cannot answer (a new token, a reload, a key
/// refresh): full validation per algorithm, and its stages. Compare with the crypto floor (signature only).
/// </summary>
[MemoryDiagnoser]
public class MissPathBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private TokenValidator _validator = null!;
    private string _rs256 = null!;
    private string _es256 = null!;
    private string _edDsa = null!;
    private JsonWebToken _rsJwt = null!;
    private TokenShapeRules _rules = null!;
    private SignatureProvider _rsVerifier = null!;
    private byte[] _rsSigned = null!;
    private byte[] _rsSignature = null!;
    private byte[] _edPublicKey = null!;
    private ValidatedTokenCache _floodCache = null!;
    private TokenHash[] _floodHashes = null!;
    private int _floodNext;
    private IssuerProvider _issuer = null!;
    private TokenValidationOutcome _outcome = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-1" };
        var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-1" };
        var ed = new Ed25519PrivateKeyParameters(new SecureRandom());
        var rsJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = "rsa-1" });
        var ecJwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = "ec-1" });
        var jwks = JsonSerializer.Serialize(new
        {
            keys = new object[]
            {
                new { kty = "RSA", kid = "rsa-1", use = "sig", n = rsJwk.N, e = rsJwk.E },
                new { kty = "EC", kid = "ec-1", use = "sig", crv = "P-256", x = ecJwk.X, y = ecJwk.Y },
                new { kty = "OKP", kid = "ed-1", use = "sig", crv = "Ed25519", x = Base64UrlEncoder.Encode(ed.GeneratePublicKey().GetEncoded()) },
            },
        });
        var settings = new KeySourceSettings("miss", "bench:jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(1));
        var keys = new IssuerKeyManager(settings, new StaticFetcher(jwks), MemoryOnlyKeyStore.Instance, TimeProvider.System, NullLogger.Instance);
        _ = keys.GetKeysAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var issuer = new IssuerProvider("miss", BenchmarkSetup.Issuer, ["api"], true, ["RS256", "ES256", "EdDSA"], TimeSpan.FromSeconds(60), ClaimPath.Parse("roles"), keys);
        _rules = issuer.Shape;
        _issuer = issuer;
        _validator = CreateValidator(new IssuerRegistry([issuer]));

        var handler = new JsonWebTokenHandler();
        _rs256 = handler.CreateToken(Payload(), new SigningCredentials(rsa, SecurityAlgorithms.RsaSha256));
        _es256 = handler.CreateToken(Payload(), new SigningCredentials(ec, SecurityAlgorithms.EcdsaSha256));
        _edDsa = SignEd25519(ed);
        _edPublicKey = ed.GeneratePublicKey().GetEncoded();
        _rsJwt = new JsonWebToken(_rs256);
        foreach (var token in new[] { _rs256, _es256, _edDsa })
        {
            var outcome = Validate(token);
            if (!outcome.IsValid)
            {
                throw new InvalidOperationException("a benchmark token does not validate: " + outcome.Status);
            }
        }

        // A full cache of the default size under a flood of distinct tokens: every insert finds it full or nearly so.
        _outcome = Validate(_rs256);
        _floodHashes = new TokenHash[1 << 20];
        for (var i = 0; i < _floodHashes.Length; i++)
        {
            TokenHash.TryCompute("flood-token-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), out _floodHashes[i]);
        }

        _floodCache = new ValidatedTokenCache(50_000, TimeSpan.FromMinutes(10), TimeProvider.System);
        while (_floodCache.Count < _floodCache.MaxEntries)
        {
            CacheInsertUnderFlood();
        }

        _rsVerifier = CryptoProviderFactory.Default.CreateForVerifying(rsJwk, SecurityAlgorithms.RsaSha256);
        var dot = _rs256.LastIndexOf('.');
        _rsSigned = Encoding.ASCII.GetBytes(_rs256[..dot]);
        _rsSignature = Base64UrlEncoder.DecodeBytes(_rs256[(dot + 1)..]);
    }

    [Benchmark(Description = "miss: RS256, full validation")]
    public object RS256() => Validate(_rs256);

    [Benchmark(Description = "miss: ES256, full validation")]
    public object ES256() => Validate(_es256);

    [Benchmark(Description = "miss: EdDSA, full validation")]
    public object EdDSA() => Validate(_edDsa);

    [Benchmark(Description = "stage: JsonWebToken (decode + parse)")]
    public JsonWebToken ParseJwt() => new(_rs256);

    [Benchmark(Description = "stage: shape inspection (header + payload)")]
    public int Inspect() => (int)TokenShapeInspector.Inspect(_rsJwt.EncodedHeader, _rsJwt.EncodedPayload, _rules, Now);

    [Benchmark(Description = "floor: RS256 signature only (cached provider)")]
    public bool VerifyRs256() => _rsVerifier.Verify(_rsSigned, _rsSignature);

    [Benchmark(Description = "stage: Ed25519 public key decode (once per key set since issue 12)")]
    public Ed25519PublicKeyParameters DecodeEd25519() => new(_edPublicKey, 0);

    [Benchmark(Description = "stage: cache insert under a flood (50,000 entries, full; sweeps amortized)")]
    public int CacheInsertUnderFlood()
    {
        _floodCache.Add(_floodHashes[_floodNext++ & (_floodHashes.Length - 1)], _issuer, _issuer.Keys.Current!, _outcome, Now.AddHours(2));
        return _floodCache.Count;
    }

    private static TokenValidator CreateValidator(IssuerRegistry issuers) => new(issuers, 8192);

    private TokenValidationOutcome Validate(string token) =>
        _validator.ValidateAsync(token.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private static string Payload() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["iss"] = BenchmarkSetup.Issuer, ["aud"] = "api", ["sub"] = "alice", ["scope"] = "orders:read orders:write",
        ["roles"] = new[] { "admin", "user" }, ["tenant"] = "acme",
        ["iat"] = Now.ToUnixTimeSeconds(), ["nbf"] = Now.ToUnixTimeSeconds(), ["exp"] = Now.AddHours(2).ToUnixTimeSeconds(),
    });

    private static string SignEd25519(Ed25519PrivateKeyParameters key)
    {
        var signingInput = Base64UrlEncoder.Encode("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode(Payload());
        var signer = new Ed25519Signer();
        signer.Init(true, key);
        var bytes = Encoding.ASCII.GetBytes(signingInput);
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return signingInput + "." + Base64UrlEncoder.Encode(signer.GenerateSignature());
    }

    private sealed class StaticFetcher(string jwks) : IKeyDocumentFetcher
    {
        public string SourceAddress => "bench:jwks";

        public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken) => Task.FromResult(new KeyDocument(jwks, DateTimeOffset.UtcNow));
    }
}
