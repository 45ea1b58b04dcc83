namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    // A scope travels in the space-separated `scope` claim and a role claim written as a string is split the
    // same way: a required value with whitespace inside ("orders read") never matches, so the policy would
    // refuse every token while looking like it requires two values.
    private static void ValidateNoWhitespace(IReadOnlyList<string> values, string path, string what, List<ConfigError> errors)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (!string.IsNullOrWhiteSpace(value) && value.Any(char.IsWhiteSpace))
            {
                var parts = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                errors.Add(new($"{path}:{i}", $"'{value}' contains whitespace: a {what} is one word (the token carries {what}s separated by spaces), so it can never match; list each {what} as its own item: [\"{string.Join("\", \"", parts)}\"]"));
            }
        }
    }
}
