using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration.Schema;

/// <summary>What a configuration value is, before anything is bound: a JSON value with its exact type, or a merged configuration entry.</summary>
internal enum ShapeKind
{
    /// <summary>A JSON object.</summary>
    Object,

    /// <summary>A JSON array.</summary>
    Array,

    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>JSON true or false.</summary>
    Boolean,

    /// <summary>JSON null.</summary>
    Null,

    /// <summary>A merged configuration key with children: an object or an array, the schema decides.</summary>
    Section,

    /// <summary>A merged configuration key with a value: untyped text, parsed as the schema says.</summary>
    Text,

    /// <summary>
    /// A merged configuration key without value or children. Only a JSON file produces one: .NET's JSON provider
    /// flattens both <c>null</c> and <c>{}</c> to a key whose value is null (and <c>[]</c> to the value <c>""</c>,
    /// which reads as <see cref="Text"/>). The file's own check has already judged its exact type.
    /// </summary>
    Absent,
}

/// <summary>One node of a configuration tree, as the shape check reads it.</summary>
internal sealed record ShapeNode(string Key, ShapeKind Kind, string? Text, IReadOnlyList<ShapeNode> Children)
{
    /// <summary>A merged section that also has a value: two layers disagree on what the key is.</summary>
    public bool HasValueAndChildren { get; init; }

    public static ShapeNode FromJson(string key, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new(key, ShapeKind.Object, null, element.EnumerateObject().Select(p => FromJson(p.Name, p.Value)).ToList()),
        JsonValueKind.Array => new(key, ShapeKind.Array, null, element.EnumerateArray().Select((item, i) => FromJson(i.ToString(CultureInfo.InvariantCulture), item)).ToList()),
        JsonValueKind.String => new(key, ShapeKind.String, element.GetString(), []),
        JsonValueKind.Number => new(key, ShapeKind.Number, element.GetRawText(), []),
        JsonValueKind.True or JsonValueKind.False => new(key, ShapeKind.Boolean, element.GetRawText(), []),
        _ => new(key, ShapeKind.Null, null, []),
    };

    public static ShapeNode FromConfiguration(IConfigurationSection section)
    {
        var children = section.GetChildren().Select(FromConfiguration).ToList();
        if (children.Count > 0)
        {
            return new(section.Key, ShapeKind.Section, section.Value, children) { HasValueAndChildren = section.Value is not null };
        }

        return section.Value is null ? new(section.Key, ShapeKind.Absent, null, []) : new(section.Key, ShapeKind.Text, section.Value, []);
    }

    /// <summary>How an error message names what was found.</summary>
    /// <summary>What the node holds, for an error message; a secret's value (<paramref name="secret"/>: its schema says <c>writeOnly</c>) is never shown.</summary>
    public string Describe(bool secret = false) => secret ? DescribeKind() : Kind switch
    {
        ShapeKind.Object => "an object",
        ShapeKind.Array => "a list",
        ShapeKind.String => $"the string {Quote(Text)}",
        ShapeKind.Number => $"the number {Text}",
        ShapeKind.Boolean => Text!,
        ShapeKind.Null => "null",
        ShapeKind.Section => $"a section with keys {string.Join(", ", Children.Take(5).Select(c => Quote(c.Key)))}",
        ShapeKind.Text => $"the value {Quote(Text)}",
        _ => "nothing",
    };

    private string DescribeKind() => Kind switch
    {
        ShapeKind.Object => "an object",
        ShapeKind.Array => "a list",
        ShapeKind.String => "a string (a secret: value not shown)",
        ShapeKind.Number => "a number (a secret: value not shown)",
        ShapeKind.Boolean => "a boolean",
        ShapeKind.Null => "null",
        ShapeKind.Section => "a section",
        ShapeKind.Text => "a value (a secret: value not shown)",
        _ => "nothing",
    };

    // Values are short in a valid configuration; a long one is cut so that an error line stays readable.
    private static string Quote(string? text) => text is null ? "''" : text.Length <= 60 ? $"'{text}'" : $"'{text[..57]}...'";
}
