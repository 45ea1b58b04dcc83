using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// The crypto floor of the load benchmark's miss scenarios: the cost of one signature verification on this machine,
/// measured with keys imported once (as ready as a verifier can keep them) over the benchmark's own tokens. Counts
/// only what a cache miss cannot avoid: SHA-256 of the signing input and the RSA or ECDSA verification; the signing
/// inputs and signatures are decoded before the clock starts. Prints microseconds per verification (median of
/// five slices), so a floor "bare proxy + one verification" can be computed next to the proxies measured in the same round.
/// </summary>
internal static class VerifyCost
{
    public static int Run(string dir, string tokensFile, double seconds)
    {
        var tokens = File.ReadAllLines(tokensFile).Where(l => l.Length > 0).Take(2000).ToArray();
        if (tokens.Length == 0)
        {
            Console.Error.WriteLine("verify-cost: no tokens in " + tokensFile);
            return 2;
        }

        var header = JsonDocument.Parse(Base64UrlEncoder.Decode(tokens[0][..tokens[0].IndexOf('.', StringComparison.Ordinal)])).RootElement;
        var alg = header.GetProperty("alg").GetString();
        var kid = header.GetProperty("kid").GetString();
        var jwk = new JsonWebKeySet(File.ReadAllText(Path.Combine(dir, "jwks.json"))).Keys.Single(k => k.Kid == kid);
        var inputs = tokens.Select(t => Encoding.ASCII.GetBytes(t[..t.LastIndexOf('.')])).ToArray();
        var signatures = tokens.Select(t => Base64UrlEncoder.DecodeBytes(t[(t.LastIndexOf('.') + 1)..])).ToArray();
        Func<byte[], byte[], bool> verify;
        switch (alg)
        {
            case "RS256":
                var rsa = RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(jwk.N), Exponent = Base64UrlEncoder.DecodeBytes(jwk.E) });
                verify = (data, signature) => rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                break;
            case "ES256":
                var ec = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk.X), Y = Base64UrlEncoder.DecodeBytes(jwk.Y) },
                });
                verify = (data, signature) => ec.VerifyData(data, signature, HashAlgorithmName.SHA256);
                break;
            default:
                Console.Error.WriteLine("verify-cost: unsupported alg " + alg);
                return 2;
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (!verify(inputs[i], signatures[i]))
            {
                Console.Error.WriteLine("verify-cost: a token does not verify");
                return 1;
            }
        }

        // Five slices; the median resists a neighbour's burst on a shared core.
        var slices = new double[5];
        var n = 0;
        for (var s = 0; s < slices.Length; s++)
        {
            var count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds / slices.Length)
            {
                var i = n++ % tokens.Length;
                verify(inputs[i], signatures[i]);
                count++;
            }

            slices[s] = clock.Elapsed.TotalMicroseconds / count;
        }

        Array.Sort(slices);
        Console.WriteLine(slices[slices.Length / 2].ToString("F2", CultureInfo.InvariantCulture));
        return 0;
    }
}
