using Gateway.Configuration;

namespace Gateway.Introspection;

/// <summary>Reads the introspection client secret the way the validator checks it and the introspector uses it.</summary>
internal static class IntrospectionClientSecret
{
    /// <summary>The client secret: the value, else the file's content (trimmed of a final line break); null when neither can be read.</summary>
    public static string? Read(IntrospectionOptions introspection)
    {
        ArgumentNullException.ThrowIfNull(introspection);
        if (!string.IsNullOrEmpty(introspection.ClientSecret))
        {
            return introspection.ClientSecret;
        }

        if (introspection.ClientSecretFile is not { } file || !Path.IsPathFullyQualified(file))
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(file).TrimEnd('\r', '\n');
            return text.Length > 0 ? text : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
