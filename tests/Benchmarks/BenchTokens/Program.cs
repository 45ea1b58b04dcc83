using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

// The load benchmark's test identity provider, offline: fresh RSA and EC keys, their public JWKS, and tokens.
// Usage: BenchTokens OUTDIR ISSUER AUDIENCE DISTINCT_COUNT
// Writes: jwks.json, rs256.txt (one token), rs256-many.txt, es256.txt (one), es256-many.txt, mixed.txt (10 % bad signatures).
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: BenchTokens OUTDIR ISSUER AUDIENCE DISTINCT_COUNT");
    return 2;
}

var (dir, issuer, audience, count) = (args[0], args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
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
string Mint(SecurityKey key, string alg, int i) => handler.CreateToken(
    JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["iss"] = issuer, ["aud"] = audience, ["sub"] = "user-" + i.ToString(CultureInfo.InvariantCulture),
        ["scope"] = "orders:read orders:write", ["roles"] = new[] { "admin", "user" }, ["tenant"] = "acme",
        ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(), ["exp"] = now.AddHours(6).ToUnixTimeSeconds(),
    }),
    new SigningCredentials(key, alg));

string[] Many(SecurityKey key, string alg) => Enumerable.Range(0, count).AsParallel().AsOrdered().Select(i => Mint(key, alg, i)).ToArray();

File.WriteAllText(Path.Combine(dir, "rs256.txt"), Mint(rsa, SecurityAlgorithms.RsaSha256, 0) + "\n");
File.WriteAllText(Path.Combine(dir, "es256.txt"), Mint(ec, SecurityAlgorithms.EcdsaSha256, 0) + "\n");
var rsMany = Many(rsa, SecurityAlgorithms.RsaSha256);
File.WriteAllLines(Path.Combine(dir, "rs256-many.txt"), rsMany);
File.WriteAllLines(Path.Combine(dir, "es256-many.txt"), Many(ec, SecurityAlgorithms.EcdsaSha256));

// 1,000 tokens, one in ten forged: the good ones repeat (they are cached), the bad ones must fail every time.
File.WriteAllLines(Path.Combine(dir, "mixed.txt"), Enumerable.Range(0, 1000).Select(i => i % 10 == 9 ? Mint(forger, SecurityAlgorithms.RsaSha256, i) : rsMany[i % rsMany.Length]));
return 0;
