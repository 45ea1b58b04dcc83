using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Pre-generated DPoP proofs (RFC 9449 §4.2) for the load benchmark, since wrk cannot sign: COUNT proofs for
/// <c>GET HTU</c>, proof j signed by client j mod N of dpop-clients.txt with <c>ath</c> of line j mod N of dpop-tokens.txt
/// (dpop.lua pairs them the same way), each with a unique <c>jti</c> (a random prefix per batch, then j) and
/// <c>iat</c> = now, so a batch must be used within the gateway's <c>Gateway:Dpop:ProofMaxAge</c>. One proof per line.
/// </summary>
internal static class DpopProofs
{
    public static int Write(string dir, string htu, int count, string outFile)
    {
        var clients = File.ReadAllLines(Path.Combine(dir, "dpop-clients.txt")).Where(l => l.Length > 0).Select(DpopClient.Parse).ToArray();
        var tokens = File.ReadAllLines(Path.Combine(dir, "dpop-tokens.txt")).Where(l => l.Length > 0).ToArray();
        if (clients.Length == 0 || clients.Length != tokens.Length)
        {
            Console.Error.WriteLine("dpop-clients.txt and dpop-tokens.txt must have the same, non-zero number of lines");
            return 2;
        }

        // What is the same for every proof of a client: the header (typ, alg, its public jwk) and ath.
        var headers = clients.Select(c => Base64UrlEncoder.Encode($"{{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{c.PublicJwk}}}")).ToArray();
        var hashes = tokens.Select(t => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(t)))).ToArray();
        var batch = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var htuJson = JsonSerializer.Serialize(htu);
        var proofs = new string[count];
        var workers = Environment.ProcessorCount;
        Parallel.For(0, workers, worker =>
        {
            var keys = new ECDsa?[clients.Length]; // each worker its own key objects, imported on first use
            try
            {
                for (var j = worker; j < count; j += workers)
                {
                    var c = j % clients.Length;
                    var key = keys[c] ??= clients[c].ImportPrivateKey();
                    var iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    var payload = Base64UrlEncoder.Encode(
                        $"{{\"jti\":\"{batch}-{j.ToString(CultureInfo.InvariantCulture)}\",\"htm\":\"GET\",\"htu\":{htuJson},\"iat\":{iat},\"ath\":\"{hashes[c]}\"}}");
                    var signingInput = headers[c] + "." + payload;
                    // IEEE P1363 (r || s), the JWS form of an ECDSA signature.
                    var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
                    proofs[j] = signingInput + "." + Base64UrlEncoder.Encode(signature);
                }
            }
            finally
            {
                foreach (var key in keys)
                {
                    key?.Dispose();
                }
            }
        });
        File.WriteAllLines(outFile, proofs);
        return 0;
    }
}
