using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.RateLimiting;

/// <summary>
/// The counter a request is counted in: the policy's name and the values of its key parts, each length-prefixed (so no
/// two different combinations read the same), hashed with SHA-256. Only the hash leaves the process (Redis key, local
/// partition): no claim value or address is stored. Without verified claims (anonymous route), or when a token lacks a
/// claim of the key, the request is counted by client address instead, under a key that cannot equal a claim key.
/// </summary>
internal static class RateLimitKey
{
    /// <summary>The hex SHA-256 (first 128 bits) of the partition the request belongs to.</summary>
    public static string For(RateLimitPolicy policy, HttpContext context, string? issuer, TokenClaims? claims)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        var text = new StringBuilder(64);
        Append(text, policy.Name);
        if (claims is null || issuer is null || !TryAppendParts(text, policy, context, issuer, claims))
        {
            text.Clear();
            Append(text, policy.Name);
            text.Append("ip|");
            Append(text, ClientAddress.ResolveForCounting(context, policy.Proxies));
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private static bool TryAppendParts(StringBuilder text, RateLimitPolicy policy, HttpContext context, string issuer, TokenClaims claims)
    {
        text.Append("claims|");
        foreach (var part in policy.KeyParts)
        {
            switch (part.Kind)
            {
                case RateLimitKeyPartKind.Issuer:
                    Append(text, issuer);
                    break;
                case RateLimitKeyPartKind.ClientAddress:
                    Append(text, ClientAddress.ResolveForCounting(context, policy.Proxies));
                    break;
                default:
                    if (!part.Claim!.TryResolve(claims.Payload, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                    {
                        return false;
                    }

                    // A string by its value, anything else (number, array, object) by its JSON text, marked apart ("42" ≠ 42).
                    text.Append(value.ValueKind == JsonValueKind.String ? 's' : 'j');
                    Append(text, value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
                    break;
            }
        }

        return true;
    }

    private static void Append(StringBuilder text, string value) =>
        text.Append(value.Length).Append(':').Append(value).Append('|');
}
