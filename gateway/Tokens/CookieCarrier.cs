using Microsoft.Extensions.Primitives;

namespace Gateway.Tokens;

/// <summary>
/// Reads a token cookie from the raw <c>Cookie</c> header(s) the way the least forgiving reading of all common servers
/// would, so that the gateway and the downstream cannot pick different values: the name is matched
/// case-insensitively, wherever it starts a pair after any separator a server may split on (start, <c>;</c>,
/// <c>,</c>, whitespace) or after a <c>$</c> (RFC 2109 attribute syntax), with optional whitespace before <c>=</c>.
/// Every such occurrence counts, even inside another cookie's quoted value. Allocation-free.
/// </summary>
internal static class CookieCarrier
{
    /// <summary>How many times <paramref name="name"/> is named, and the value of the first (trimmed, unquoted).</summary>
    public static (int Occurrences, ReadOnlyMemory<char> Value) Find(StringValues cookieHeaders, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var occurrences = 0;
        ReadOnlyMemory<char> value = default;
        foreach (var header in cookieHeaders)
        {
            if (string.IsNullOrEmpty(header))
            {
                continue;
            }

            var start = 0;
            while (start < header.Length)
            {
                var at = header.AsSpan(start).IndexOf(name, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    break;
                }

                at += start;
                start = at + name.Length;
                if (StartsPair(header, at) && ValueStart(header, at + name.Length) is { } valueStart)
                {
                    if (occurrences++ == 0)
                    {
                        value = ReadValue(header, valueStart);
                    }
                }
            }
        }

        return (occurrences, value);
    }

    /// <summary>Whether one <c>;</c>-separated pair is named <paramref name="name"/> (case-insensitive, leading whitespace or <c>$</c> ignored).</summary>
    public static bool IsNamed(ReadOnlySpan<char> pair, string name)
    {
        var trimmed = pair.TrimStart(" \t").TrimStart('$');
        return trimmed.StartsWith(name, StringComparison.OrdinalIgnoreCase) && trimmed[name.Length..].TrimStart(" \t") is ['=', ..];
    }

    private static bool StartsPair(string header, int at)
    {
        var before = at - 1;
        if (before >= 0 && header[before] == '$')
        {
            before--;
        }

        return before < 0 || header[before] is ';' or ',' || char.IsWhiteSpace(header[before]);
    }

    // After the name: optional whitespace, then '='. Returns the index after '=' or null.
    private static int? ValueStart(string header, int index)
    {
        while (index < header.Length && header[index] is ' ' or '\t')
        {
            index++;
        }

        return index < header.Length && header[index] == '=' ? index + 1 : null;
    }

    private static ReadOnlyMemory<char> ReadValue(string header, int start)
    {
        var end = header.IndexOf(';', start);
        var value = header.AsMemory(start, (end < 0 ? header.Length : end) - start).Trim();
        return value.Length >= 2 && value.Span[0] == '"' && value.Span[^1] == '"' ? value[1..^1] : value;
    }
}
