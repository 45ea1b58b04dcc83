using System.Text.Json;

namespace Gateway.Tokens;

/// <summary>
/// The claims a revocation can name: <c>jti</c>, <c>sub</c>, <c>sid</c> and <c>iat</c> (Unix seconds). Read once per
/// validated token and kept on its <see cref="TokenClaims"/>, so a cached token is checked without reading JSON.
/// </summary>
internal sealed record TokenIdentifiers(string? TokenId, string? Subject, string? SessionId, long? IssuedAt)
{
    internal static TokenIdentifiers Read(JsonElement payload) => new(
        String(payload, "jti"),
        String(payload, "sub"),
        String(payload, "sid"),
        payload.TryGetProperty("iat", out var iat) && iat.ValueKind == JsonValueKind.Number && iat.TryGetDouble(out var seconds) && double.IsFinite(seconds)
            ? (long)Math.Floor(seconds)
            : null);

    private static string? String(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
