using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

// The load benchmark's test identity provider, offline: fresh RSA and EC keys, their public JWKS, and tokens.
// Usage: BenchTokens OUTDIR ISSUER AUDIENCE DISTINCT_COUNT [DPOP_CLIENTS]
// Writes: jwks.json, rs256.txt (one token), rs256-many.txt, es256.txt (one), es256-many.txt, mixed.txt (10 % bad signatures),
// opaque-many.txt (DISTINCT_COUNT opaque tokens, for the introspection scenario), and for the DPoP scenario
// (DPOP_CLIENTS, default 1000): dpop-clients.txt (one client key pair per line, private: the proofs' signers),
// dpop-tokens.txt (line i: an RS256 token bound to client i by cnf.jkt) and dpop-bearer.txt (line i: the same claims, unbound).
// Usage: BenchTokens dpop-proofs OUTDIR HTU COUNT OUTFILE: see DpopProofs.
// Usage: BenchTokens verify-cost OUTDIR TOKENS_FILE SECONDS: µs per signature verification (see VerifyCost).
if (args.Length == 5 && args[0] == "dpop-proofs")
{
    return DpopProofs.Write(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
}

if (args.Length == 4 && args[0] == "verify-cost")
{
    return VerifyCost.Run(args[1], args[2], double.Parse(args[3], CultureInfo.InvariantCulture));
}

if (args.Length is not (4 or 5))
{
    Console.Error.WriteLine("usage: BenchTokens OUTDIR ISSUER AUDIENCE DISTINCT_COUNT [DPOP_CLIENTS]\n       BenchTokens dpop-proofs OUTDIR HTU COUNT OUTFILE\n       BenchTokens verify-cost OUTDIR TOKENS_FILE SECONDS");
    return 2;
}

var (dir, issuer, audience, count) = (args[0], args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
var dpopClients = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1000;
Directory.CreateDirectory(dir);
var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "bench-rsa" };
var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "bench-ec" };
var forger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "bench-rsa" }; // same kid, other key: a bad signature

var rsaJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = rsa.KeyId });
var ecJwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = ec.KeyId });
File.WriteAllText(Path.Combine(dir, "jwks.json"), JsonSerializer.Serialize(new
{
    keys = new object[]
    {
        new { kty = "RSA", use = "sig", kid = rsaJwk.Kid, n = rsaJwk.N, e = rsaJwk.E },
        new { kty = "EC", use = "sig", kid = ecJwk.Kid, crv = ecJwk.Crv, x = ecJwk.X, y = ecJwk.Y },
    },
}));

var handler = new JsonWebTokenHandler();
var now = DateTimeOffset.UtcNow;
string Mint(SecurityKey key, string alg, int i, string? jkt = null)
{
    var claims = new Dictionary<string, object>
    {
        ["iss"] = issuer, ["aud"] = audience, ["sub"] = "user-" + i.ToString(CultureInfo.InvariantCulture),
        ["scope"] = "orders:read orders:write", ["roles"] = new[] { "admin", "user" }, ["tenant"] = "acme",
        ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(), ["exp"] = now.AddHours(6).ToUnixTimeSeconds(),
    };
    if (jkt is not null)
    {
        claims["cnf"] = new Dictionary<string, string> { ["jkt"] = jkt };
    }

    return handler.CreateToken(JsonSerializer.Serialize(claims), new SigningCredentials(key, alg));
}

string[] Many(SecurityKey key, string alg) => Enumerable.Range(0, count).AsParallel().AsOrdered().Select(i => Mint(key, alg, i)).ToArray();

File.WriteAllText(Path.Combine(dir, "rs256.txt"), Mint(rsa, SecurityAlgorithms.RsaSha256, 0) + "\n");
File.WriteAllText(Path.Combine(dir, "es256.txt"), Mint(ec, SecurityAlgorithms.EcdsaSha256, 0) + "\n");
var rsMany = Many(rsa, SecurityAlgorithms.RsaSha256);
File.WriteAllLines(Path.Combine(dir, "rs256-many.txt"), rsMany);
File.WriteAllLines(Path.Combine(dir, "es256-many.txt"), Many(ec, SecurityAlgorithms.EcdsaSha256));

// 1,000 tokens, one in ten forged: the good ones repeat (they are cached), the bad ones must fail every time.
File.WriteAllLines(Path.Combine(dir, "mixed.txt"), Enumerable.Range(0, 1000).Select(i => i % 10 == 9 ? Mint(forger, SecurityAlgorithms.RsaSha256, i) : rsMany[i % rsMany.Length]));

// Opaque tokens: 256 random bits, base64url (an RFC 6750 b64token, not a JWT). nginx answers every one active.
File.WriteAllLines(Path.Combine(dir, "opaque-many.txt"), Enumerable.Range(0, count).Select(_ => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32))));

// DPoP: one P-256 key per client, a token bound to it, and the same token unbound (the bearer baseline).
var clients = Enumerable.Range(0, dpopClients).Select(_ => DpopClient.Create()).ToArray();
File.WriteAllLines(Path.Combine(dir, "dpop-clients.txt"), clients.Select(c => c.ToLine()));
File.WriteAllLines(Path.Combine(dir, "dpop-tokens.txt"), clients.AsParallel().AsOrdered().Select((c, i) => Mint(rsa, SecurityAlgorithms.RsaSha256, i, c.Thumbprint)));
File.WriteAllLines(Path.Combine(dir, "dpop-bearer.txt"), Enumerable.Range(0, dpopClients).AsParallel().AsOrdered().Select(i => Mint(rsa, SecurityAlgorithms.RsaSha256, i)));
return 0;
