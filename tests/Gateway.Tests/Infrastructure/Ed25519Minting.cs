using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>Tokens an Ed25519 key of <see cref="TestIdentityProvider"/> signs for the real gateway (the key itself: <see cref="Ed25519TestKey"/>).</summary>
public static class Ed25519Minting
{
    /// <summary>A token for <paramref name="idp"/>, alg EdDSA, this key's kid (unless <paramref name="withKid"/> is false).</summary>
    public static string Mint(this Ed25519TestKey key, TestIdentityProvider idp, IDictionary<string, object?>? claims = null, bool withKid = true)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = idp.Issuer,
            ["aud"] = "api",
            ["sub"] = "eddie",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object?>())
        {
            payload[name] = value;
        }

        var header = withKid ? new Dictionary<string, string> { ["alg"] = "EdDSA", ["kid"] = key.Kid, ["typ"] = "JWT" } : new Dictionary<string, string> { ["alg"] = "EdDSA" };
        return key.SignRaw(JsonSerializer.Serialize(header), JsonSerializer.Serialize(payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)));
    }
}
