namespace Gateway.Configuration.Validation;

/// <summary>The checks many rules share: ranges, durations and lists of names.</summary>
internal static class ValueChecks
{
    public static void RequirePositive(TimeSpan value, string path, ConfigValidationContext context)
    {
        if (value <= TimeSpan.Zero)
        {
            context.Add(path, "must be a positive duration (hh:mm:ss)");
        }
    }

    public static void RequireRange(int value, int min, int max, string path, ConfigValidationContext context)
    {
        if (value < min || value > max)
        {
            context.Add(path, $"must be between {min} and {max}");
        }
    }

    public static void RequireNonEmpty(IReadOnlyList<string> values, string path, string what, ConfigValidationContext context)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
            {
                context.Add($"{path}:{i}", $"empty {what}");
            }
        }
    }

    // A scope travels in the space-separated `scope` claim and a role claim written as a string is split the
    // same way: a required value with whitespace inside ("orders read") never matches, so the policy would
    // refuse every token while looking like it requires two values.
    public static void RequireNoWhitespace(IReadOnlyList<string> values, string path, string what, ConfigValidationContext context)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (!string.IsNullOrWhiteSpace(value) && value.Any(char.IsWhiteSpace))
            {
                var parts = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                context.Add($"{path}:{i}", $"'{value}' contains whitespace: a {what} is one word (the token carries {what}s separated by spaces), so it can never match; list each {what} as its own item: [\"{string.Join("\", \"", parts)}\"]");
            }
        }
    }
}
