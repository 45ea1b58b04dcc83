using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// The rules a JWKS supplied by the operator (a file, or inline in the configuration) must pass before its
/// keys are used. Stricter than for a fetched JWKS, whose unusable keys are dropped silently: this document is
/// the operator's own, so every mistake in it is reported, and the whole document is refused.
/// <list type="bullet">
/// <item>At most <see cref="MaxBytes"/>; a JSON object whose <c>keys</c> is an array of objects (RFC 7517 §5).</item>
/// <item>No private or symmetric key part in any key (<c>d</c>, <c>p</c>, <c>q</c>, <c>dp</c>, <c>dq</c>, <c>qi</c>,
/// <c>oth</c>, <c>k</c>): a secret in the gateway's configuration is a leak, whatever the key would be used for.</item>
/// <item>A key that names an <c>alg</c> must agree with it (<see cref="KeyAlgorithmAgreement"/>: RS*/PS* on RSA,
/// ES* on the matching EC curve, EdDSA on Ed25519 OKP); HMAC and unknown algorithms are refused.</item>
/// <item>At least one key a signature can be verified with (<see cref="IssuerKeySet"/>'s rules: RSA, EC or
/// Ed25519 OKP, <c>use</c> absent or <c>sig</c>).</item>
/// </list>
/// Problems are fixed sentences naming the key by index and <c>kid</c>, never key material.
/// </summary>
internal static class LocalJwks
{
    public const int MaxBytes = 1024 * 1024;

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>Why <paramref name="json"/> cannot serve as a local key set, or null when it can.</summary>
    public static string? Problem(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxBytes)
        {
            return $"the JWKS is larger than {MaxBytes} bytes";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return "not JSON";
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys)
                || keys.ValueKind != JsonValueKind.Array)
            {
                return "not a JWKS: a JSON object with a 'keys' array is expected";
            }

            var index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (KeyProblem(key) is { } problem)
                {
                    return $"key {index}{KidOf(key)}: {problem}";
                }

                index++;
            }
        }

        IssuerKeySet set;
        try
        {
            set = new IssuerKeySet(new JsonWebKeySet(json).Keys.ToArray(), DateTimeOffset.UnixEpoch, KeySetSource.File); // only its usable keys are counted
        }
        catch (ArgumentException)
        {
            return "not a JWKS: IdentityModel could not read it";
        }

        return set.Keys.Count == 0 ? NoUsableSigningKeyException.Description + " (RSA, EC or Ed25519 OKP with use 'sig' or no use)" : null;
    }

    private static string? KeyProblem(JsonElement key)
    {
        if (key.ValueKind != JsonValueKind.Object)
        {
            return "not a JSON object";
        }

        foreach (var member in PrivateMembers)
        {
            if (key.TryGetProperty(member, out _))
            {
                return $"holds the private or symmetric key part '{member}': publish only public keys";
            }
        }

        if (!key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
        {
            return "no 'kty'";
        }

        if (key.TryGetProperty("alg", out var alg))
        {
            if (alg.ValueKind != JsonValueKind.String)
            {
                return "'alg' is not a string";
            }

            JsonWebKey jwk;
            try
            {
                jwk = new JsonWebKey(key.GetRawText());
            }
            catch (ArgumentException)
            {
                return "not a JWK";
            }

            // Only for signing keys: an encryption key's alg (RSA-OAEP, ...) is not a signature algorithm.
            if ((string.IsNullOrEmpty(jwk.Use) || jwk.Use == JsonWebKeyUseNames.Sig) && !KeyAlgorithmAgreement.Allows(jwk, alg.GetString()))
            {
                return $"'alg' {alg.GetString()} does not fit the key (kty {kty.GetString()}{(jwk.Crv is { Length: > 0 } crv ? ", crv " + crv : "")}) or is not a supported signature algorithm";
            }
        }

        return null;
    }

    private static string KidOf(JsonElement key) =>
        key.ValueKind == JsonValueKind.Object && key.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String
            ? $" (kid '{Observability.LogValue.Safe(kid.GetString()!)}')"
            : "";
}
