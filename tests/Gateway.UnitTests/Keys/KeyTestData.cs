using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Keys;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Keys;

/// <summary>Public EC signing keys as JWKS documents, and the timings the key tests run with.</summary>
internal static class KeyTestData
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>FetchTimeout 5 s, PeerFetchWait 2 s (a peer waits 7 s), UnknownKidRefreshInterval 30 s, default lifetime 1 h.</summary>
    public static readonly KeySourceSettings Settings = new(
        "issuer", "https://idp.example/.well-known/openid-configuration", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(2));

    /// <summary>How long a replica that lost the fetch lease waits for the holder: FetchTimeout + PeerFetchWait.</summary>
    public static TimeSpan PeerBudget => Settings.FetchTimeout + Settings.PeerFetchWait;

    public static string Jwks(params string[] kids) =>
        JsonSerializer.Serialize(new { keys = kids.Select(PublicJwk).ToArray() });

    private static readonly Dictionary<string, object> Keys = [];

    private static object PublicJwk(string kid)
    {
        lock (Keys)
        {
            if (!Keys.TryGetValue(kid, out var jwk))
            {
                // P-256: generated in a millisecond (an RSA key takes seconds on a busy machine), and as usable for signing.
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var point = ec.ExportParameters(includePrivateParameters: false).Q;
                jwk = new { kty = "EC", use = "sig", crv = "P-256", kid, x = Base64UrlEncoder.Encode(point.X), y = Base64UrlEncoder.Encode(point.Y) };
                Keys[kid] = jwk;
            }

            return jwk;
        }
    }
}
