using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Forwarding;

/// <summary>
/// Turns a claim into a header value that can never split or corrupt a header, and that a downstream reads
/// back without ambiguity. A header value is a <b>list of items</b> joined by <c>,</c>:
/// <list type="bullet">
/// <item>string: one item, the value itself;</item>
/// <item>number, true, false: one item, their JSON text;</item>
/// <item>object: one item, its compact JSON;</item>
/// <item>array: one item per element, each encoded as above (nested objects and arrays as compact JSON);</item>
/// <item>null or an empty array: no header.</item>
/// </list>
/// In every item, each byte of the UTF-8 value outside printable ASCII (0x20–0x7E), <c>%</c> itself and
/// <c>,</c> are percent-encoded (<c>é</c> → <c>%C3%A9</c>, CR → <c>%0D</c>, <c>,</c> → <c>%2C</c>). So splitting
/// the value on <c>,</c> and percent-decoding each part always gives back the exact items: the string
/// <c>"user,admin"</c> arrives as <c>user%2Cadmin</c> (one item), never like the array <c>["user","admin"]</c>
/// (<c>user,admin</c>, two items). A value of plain printable ASCII without <c>%</c> or <c>,</c> arrives unchanged.
/// </summary>
internal static class ClaimHeaderEncoder
{
    private static readonly SearchValues<char> NeedsEncoding = SearchValues.Create(BuildUnsafeChars());

    public static string? Encode(JsonElement claim)
    {
        switch (claim.ValueKind)
        {
            case JsonValueKind.String:
                return Escape(claim.GetString()!);
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return claim.GetRawText();
            case JsonValueKind.Object:
                return Escape(CompactJson(claim));
            case JsonValueKind.Array:
                if (claim.GetArrayLength() == 0)
                {
                    return null;
                }

                var builder = new StringBuilder();
                var first = true;
                foreach (var item in claim.EnumerateArray())
                {
                    // Not builder.Length: an empty first element must still be followed by its comma.
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;

                    builder.Append(item.ValueKind switch
                    {
                        JsonValueKind.String => Escape(item.GetString()!),
                        JsonValueKind.Object or JsonValueKind.Array => Escape(CompactJson(item)),
                        _ => item.GetRawText(),
                    });
                }

                return builder.ToString();
            default:
                return null;
        }
    }

    /// <summary>One item of a header value: UTF-8 bytes outside printable ASCII, <c>%</c> and <c>,</c> percent-encoded.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny(NeedsEncoding) < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and <= 0x7E && rune.Value != '%' && rune.Value != ',')
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < length; i++)
            {
                builder.Append('%').Append(utf8[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    // Relaxed escaping keeps non-ASCII as UTF-8 (then percent-encoded like any value) instead of \uXXXX.
    private static readonly JsonSerializerOptions CompactJsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string CompactJson(JsonElement element) => JsonSerializer.Serialize(element, CompactJsonOptions);

    private static char[] BuildUnsafeChars()
    {
        var chars = new List<char>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            if (c is < 0x20 or > 0x7E or '%' or ',')
            {
                chars.Add((char)c);
            }
        }

        return [.. chars];
    }
}
