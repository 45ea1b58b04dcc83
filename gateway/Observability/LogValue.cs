namespace Gateway.Observability;

/// <summary>Makes client-controlled text (a kid, a route id from a header) safe to log: bounded length, no control characters.</summary>
internal static class LogValue
{
    private const int MaxLength = 64;

    public static string Safe(string? value) => Safe(value, MaxLength);

    /// <summary>As <see cref="Safe(string?)"/>, with another length bound; returns the value itself when nothing needs changing.</summary>
    public static string Safe(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= maxLength && !HasControl(value))
        {
            return value;
        }

        var text = value.Length > maxLength ? value[..maxLength] + "…" : value;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private static bool HasControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
