using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Revocation;

/// <summary>How a revocation is written in Redis, in change notices and by the management endpoint.</summary>
internal static class RevocationJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(RevocationEntry entry) => JsonSerializer.Serialize(entry, Options);

    /// <summary>An entry read back, or null when it is not one (corrupted, or written by something else).</summary>
    public static RevocationEntry? Deserialize(string text)
    {
        try
        {
            var entry = JsonSerializer.Deserialize<RevocationEntry>(text, Options);
            return entry is { Value.Length: > 0 } && Enum.IsDefined(entry.Kind)
                && (entry.Kind != RevocationKind.Subject || (entry.Issuer is not null && entry.IssuedBefore is not null))
                ? entry
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
