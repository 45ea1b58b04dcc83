namespace Gateway.Observability;

/// <summary>Makes client-controlled text (a kid, a route id from a header) safe to log: bounded length, no control characters.</summary>
internal static class LogValue
{
    private const int MaxLength = 64;

    public static string Safe(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var text = value.Length > MaxLength ? value[..MaxLength] + "…" : value;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
