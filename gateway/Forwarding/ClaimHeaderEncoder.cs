using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Forwarding;

/// <summary>
/// Turns a claim into a header value that can never split or corrupt a header:
/// <list type="bullet">
/// <item>string: the value itself;</item>
/// <item>number, true, false: their JSON text;</item>
/// <item>array: each element encoded as above (objects and arrays as compact JSON), joined by <c>,</c>;
/// a <c>,</c> inside an element is written <c>%2C</c>;</item>
/// <item>object: compact JSON;</item>
/// <item>null or an empty array: no header.</item>
/// </list>
/// Then every byte of the UTF-8 value outside printable ASCII (0x20–0x7E), and <c>%</c> itself, is
/// percent-encoded (<c>é</c> → <c>%C3%A9</c>, CR → <c>%0D</c>). A value of plain printable ASCII
/// without <c>%</c> arrives unchanged; a downstream that percent-decodes always gets the exact value.
/// </summary>
public static class ClaimHeaderEncoder
{
    private static readonly SearchValues<char> NeedsEncoding = SearchValues.Create(BuildUnsafeChars());

    public static string? Encode(JsonElement claim)
    {
        switch (claim.ValueKind)
        {
            case JsonValueKind.String:
                return Escape(claim.GetString()!, escapeComma: false);
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return claim.GetRawText();
            case JsonValueKind.Object:
                return Escape(CompactJson(claim), escapeComma: false);
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
                        JsonValueKind.String => Escape(item.GetString()!, escapeComma: true),
                        JsonValueKind.Object or JsonValueKind.Array => Escape(CompactJson(item), escapeComma: true),
                        _ => item.GetRawText(),
                    });
                }

                return builder.ToString();
            default:
                return null;
        }
    }

    public static string Escape(string value, bool escapeComma)
    {
        ArgumentNullException.ThrowIfNull(value);
        var firstUnsafe = value.AsSpan().IndexOfAny(NeedsEncoding);
        var firstComma = escapeComma ? value.IndexOf(',', StringComparison.Ordinal) : -1;
        if (firstUnsafe < 0 && firstComma < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is >= 0x20 and <= 0x7E && rune.Value != '%' && !(escapeComma && rune.Value == ','))
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
            if (c is < 0x20 or > 0x7E or '%')
            {
                chars.Add((char)c);
            }
        }

        return [.. chars];
    }
}
