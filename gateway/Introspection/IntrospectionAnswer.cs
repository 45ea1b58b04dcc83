using System.Text.Json;

namespace Gateway.Introspection;

/// <summary>
/// An authorization server's answer to one introspection request (RFC 7662 §2.2), read and checked for shape:
/// <c>active</c> is a JSON boolean; on an active answer the whole object is kept as the token's claims
/// (<c>scope</c>, <c>client_id</c>, <c>sub</c>, <c>aud</c>, <c>iss</c>, <c>exp</c>, and whatever else it returns).
/// </summary>
internal sealed class IntrospectionAnswer
{
    private const int MaxDepth = 32;

    private IntrospectionAnswer(bool active, JsonElement claims, string json)
    {
        Active = active;
        Claims = claims;
        Json = json;
    }

    public bool Active { get; }

    /// <summary>The answer's JSON object (a detached copy), the claims policies and claim headers read.</summary>
    public JsonElement Claims { get; }

    /// <summary>The answer as JSON text: what the shared cache stores.</summary>
    public string Json { get; }

    public static IntrospectionAnswer Inactive { get; } = new(false, default, "{\"active\":false}");

    /// <summary>Reads an answer; null when it is not a JSON object with a boolean <c>active</c>, nests too deep, or holds unreadable text.</summary>
    public static IntrospectionAnswer? TryRead(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            return TryRead(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads an answer from JSON text (the shared cache's copy).</summary>
    public static IntrospectionAnswer? TryRead(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return TryRead(System.Text.Encoding.UTF8.GetBytes(json));
    }

    private static IntrospectionAnswer? TryRead(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("active", out var active)
            || active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return null;
        }

        // RFC 7662 §2.2: an inactive answer says nothing else that may be relied on.
        if (active.ValueKind == JsonValueKind.False)
        {
            return Inactive;
        }

        try
        {
            EnsureReadable(root);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            return null;
        }

        var claims = root.Clone();
        return new IntrospectionAnswer(true, claims, claims.GetRawText());
    }

    // Valid JSON can still escape text that is not valid UTF-16 (a lone "\ud800"): reading it throws. Such an
    // answer is malformed here rather than a 500 later, in a policy or a claim header.
    private static void EnsureReadable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    EnsureReadable(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    EnsureReadable(property.Value);
                }

                break;
        }
    }
}
