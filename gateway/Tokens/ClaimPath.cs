using System.Text.Json;

namespace Gateway.Tokens;

/// <summary>
/// Addresses a claim in the token payload. A path is first tried as one literal claim name (so
/// namespaced claims such as <c>https://example.com/roles</c> work), then as dot-separated segments
/// into nested objects (<c>org.tenant</c>).
/// </summary>
internal sealed class ClaimPath
{
    private readonly string[] _segments;

    private ClaimPath(string text)
    {
        Text = text;
        _segments = text.Split('.');
    }

    public string Text { get; }

    public static bool IsValid(string? text) =>
        !string.IsNullOrWhiteSpace(text) && text.Split('.').All(s => s.Length > 0);

    public static ClaimPath Parse(string text)
    {
        if (!IsValid(text))
        {
            throw new ArgumentException($"'{text}' is not a claim path: use a claim name or names joined by '.', without empty segments.", nameof(text));
        }

        return new ClaimPath(text);
    }

    public bool TryResolve(JsonElement payload, out JsonElement value)
    {
        if (payload.TryGetProperty(Text, out value))
        {
            return true;
        }

        if (_segments.Length == 1)
        {
            return false;
        }

        var current = payload;
        foreach (var segment in _segments)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                value = default;
                return false;
            }
        }

        value = current;
        return true;
    }

    public override string ToString() => Text;
}
