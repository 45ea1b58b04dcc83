using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Configuration.Schema;

/// <summary>
/// Walks a configuration tree along the schema: every value's type at any depth, every list item, every key
/// (unknown ones are errors, with a "did you mean" hint). It returns the tree as typed JSON, without the nodes
/// it reported, for JsonSchema.Net to check the remaining keywords.
/// </summary>
/// <remarks>
/// The walker reads <c>$ref</c>, <c>type</c>, <c>properties</c>, <c>patternProperties</c>, <c>additionalProperties</c>
/// and <c>items</c>; <see cref="GatewayConfigSchema.Evaluator"/> checks the rest. Property names match
/// case-insensitively (configuration keys are) and are renamed to the schema's spelling. A merged tree
/// (<see cref="ShapeKind.Section"/>, <see cref="ShapeKind.Text"/>) has no JSON types: the schema's type decides
/// whether a section is an object or a list (keys 0..n-1) and how a value is parsed.
/// </remarks>
internal sealed class ConfigShapeWalker
{
    private readonly JsonObject _root;
    private readonly List<ConfigError> _errors;

    public ConfigShapeWalker(JsonObject schemaRoot, List<ConfigError> errors)
    {
        _root = schemaRoot;
        _errors = errors;
    }

    /// <summary>Checks <paramref name="node"/> against <paramref name="schema"/>; null when it was reported (or holds nothing).</summary>
    public JsonNode? Walk(ShapeNode node, JsonNode? schema, string path)
    {
        var resolved = Resolve(schema);
        if (resolved is null)
        {
            return Untyped(node);
        }

        // A secret (writeOnly in the schema) is never quoted in an error: error lines reach logs and CI output.
        var secret = IsSecret(resolved);
        if (node.HasValueAndChildren)
        {
            var shown = secret ? "a value (a secret: not shown)" : $"the value '{node.Text}'";
            _errors.Add(new(path, $"set both as {shown} and as {node.Describe(secret)}: two configuration layers disagree on what this key is"));
        }

        var types = Types(resolved);
        if (types.Count == 0)
        {
            return Untyped(node);
        }

        // A merged key with no children and the value "" is an empty JSON list (or an empty variable): an empty container.
        var emptyText = node is { Kind: ShapeKind.Text, Text: "" };
        if (types.Contains("object") && (node.Kind is ShapeKind.Object or ShapeKind.Section or ShapeKind.Absent || emptyText))
        {
            return WalkObject(node, resolved, path);
        }

        if (types.Contains("array") && (node.Kind is ShapeKind.Array or ShapeKind.Absent || emptyText))
        {
            return WalkArray(node, resolved, path);
        }

        if (types.Contains("array") && node.Kind == ShapeKind.Section)
        {
            return WalkSectionAsArray(node, resolved, path);
        }

        if (node.Kind == ShapeKind.Absent)
        {
            return null; // a JSON null or {} of a file: that file's check judged it
        }

        if (TryScalar(node, types, out var value))
        {
            return resolved["enum"] is JsonArray allowed ? Enumerated(value, allowed, path) : value;
        }

        _errors.Add(new(path, $"expected {Expected(types)}, found {node.Describe(secret)}"));
        return null;
    }

    private static bool IsSecret(JsonObject schema) =>
        schema["writeOnly"] is JsonValue flag && flag.TryGetValue<bool>(out var writeOnly) && writeOnly;

    private JsonObject WalkObject(ShapeNode node, JsonObject schema, string path)
    {
        var properties = schema["properties"] as JsonObject;
        var patterns = schema["patternProperties"] as JsonObject;
        var additional = schema["additionalProperties"];
        var result = new JsonObject();
        foreach (var child in node.Children)
        {
            var childPath = Join(path, child.Key);
            var (name, childSchema) = FindProperty(properties, patterns, additional, child.Key);
            if (childSchema is null)
            {
                _errors.Add(new(childPath, UnknownKey(child.Key, properties, schema)));
                continue;
            }

            if (result.ContainsKey(name))
            {
                _errors.Add(new(childPath, $"'{child.Key}' is given twice (keys are case-insensitive)"));
                continue;
            }

            var value = Walk(child, childSchema, childPath);
            if (value is not null || child.Kind == ShapeKind.Null)
            {
                result[name] = value;
            }
        }

        // An empty requirement group is checked here rather than by the evaluator, to say why in the schema's own words.
        if (schema["minProperties"] is JsonValue min && result.Count < min.GetValue<int>() && node.Children.Count < min.GetValue<int>())
        {
            _errors.Add(new(path, schema["description"] is JsonValue why ? $"empty: {why}" : $"needs at least {min} key(s)"));
        }

        return result;
    }

    // The binder reads enum names case-insensitively: so does the check, which spells the value as the schema does.
    private JsonNode? Enumerated(JsonNode? value, JsonArray allowed, string path)
    {
        var text = value?.ToJsonString();
        var match = allowed.FirstOrDefault(a => a?.ToJsonString() == text)
            ?? allowed.FirstOrDefault(a => a is JsonValue v && value is JsonValue given && v.TryGetValue<string>(out var name) && given.TryGetValue<string>(out var s) && string.Equals(name, s, StringComparison.OrdinalIgnoreCase));
        if (match is null && !(value is null && allowed.Any(a => a is null)))
        {
            _errors.Add(new(path, $"{Show(value)} is not one of {string.Join(", ", allowed.Where(a => a is not null).Select(Show))}"));
            return null;
        }

        return match?.DeepClone();
    }

    private static string Show(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var text) ? $"'{text}'" : value?.ToJsonString() ?? "null";

    private JsonArray WalkArray(ShapeNode node, JsonObject schema, string path)
    {
        var result = new JsonArray();
        foreach (var child in node.Children)
        {
            var value = Walk(child, schema["items"], Join(path, child.Key));
            if (value is not null || child.Kind == ShapeKind.Null)
            {
                result.Add(value);
            }
        }

        return result;
    }

    // A merged list is a section whose keys are indexes; any other key means it was written as an object.
    private JsonArray? WalkSectionAsArray(ShapeNode node, JsonObject schema, string path)
    {
        var notIndexes = node.Children.Where(c => !int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToList();
        if (notIndexes.Count > 0)
        {
            _errors.Add(new(path, $"expected {Expected(Types(schema))}, found {node.Describe()}"));
            return null;
        }

        var ordered = node.Children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).ToList();
        return WalkArray(node with { Children = ordered }, schema, path);
    }

    private static bool TryScalar(ShapeNode node, HashSet<string> types, out JsonNode? value)
    {
        value = null;
        switch (node.Kind)
        {
            case ShapeKind.String when types.Contains("string"):
                value = JsonValue.Create(node.Text);
                return true;
            case ShapeKind.Boolean when types.Contains("boolean"):
                value = JsonValue.Create(node.Text == "true");
                return true;
            case ShapeKind.Null when types.Contains("null"):
                return true;
            case ShapeKind.Number when types.Contains("integer") && long.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer):
                value = JsonValue.Create(integer);
                return true;
            case ShapeKind.Number when types.Contains("number"):
                value = JsonNode.Parse(node.Text!);
                return true;
            case ShapeKind.Text:
                value = ParseText(node.Text!, types);
                return value is not null;
            default:
                return false;
        }
    }

    // A merged value is text: parse it as the binder will, so that what passes here binds.
    private static JsonValue? ParseText(string text, HashSet<string> types)
    {
        if (types.Contains("string"))
        {
            return JsonValue.Create(text);
        }

        if (types.Contains("boolean") && bool.TryParse(text, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (types.Contains("integer") && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        return types.Contains("number") && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? JsonValue.Create(number)
            : null;
    }

    private static (string Name, JsonNode? Schema) FindProperty(JsonObject? properties, JsonObject? patterns, JsonNode? additional, string key)
    {
        foreach (var (name, schema) in properties ?? [])
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                return (name, schema);
            }
        }

        foreach (var (pattern, schema) in patterns ?? [])
        {
            if (Regex.IsMatch(key, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                return (key, schema);
            }
        }

        // additionalProperties: absent allows anything; false refuses; a schema types the value.
        return additional switch
        {
            null => (key, JsonValue.Create(true)),
            JsonValue v when v.TryGetValue<bool>(out var allowed) => (key, allowed ? v : null),
            _ => (key, additional),
        };
    }

    private static string UnknownKey(string key, JsonObject? properties, JsonObject schema)
    {
        var known = (properties ?? []).Select(p => p.Key).ToList();
        var hint = known.Select(k => (Key: k, Distance: EditDistance(key.ToUpperInvariant(), k.ToUpperInvariant())))
            .Where(k => k.Distance <= Math.Max(1, k.Key.Length / 4)).OrderBy(k => k.Distance).Select(k => k.Key).FirstOrDefault();
        var message = $"unknown key '{key}'" + (hint is null ? "" : $" (did you mean '{hint}'?)");
        return schema["patternProperties"] is not null && schema["description"] is JsonValue description
            ? $"{message}: {description}"
            : $"{message} (known keys: {string.Join(", ", known)})";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    // Follows "$ref": "#/$defs/Name" (the only form the schema uses); true or absent: anything goes.
    private JsonObject? Resolve(JsonNode? schema)
    {
        for (var hops = 0; schema is JsonObject o && o["$ref"] is JsonValue reference && hops < 16; hops++)
        {
            var target = reference.GetValue<string>();
            const string prefix = "#/$defs/";
            if (!target.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the configuration schema may only refer to #/$defs/…, not '{target}'");
            }

            schema = _root["$defs"]?[target[prefix.Length..]] ?? throw new InvalidOperationException($"the configuration schema has no {target}");
        }

        return schema as JsonObject;
    }

    private static HashSet<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonValue single => [single.GetValue<string>()],
        JsonArray many => many.Select(t => t!.GetValue<string>()).ToHashSet(StringComparer.Ordinal),
        _ => [],
    };

    private static string Expected(HashSet<string> types) => string.Join(" or ", types.Where(t => t != "null").Select(t => t switch
    {
        "object" => "an object",
        "array" => "a list",
        "boolean" => "true or false",
        "integer" => "an integer",
        "number" => "a number",
        _ => "a " + t,
    }));

    // Where the schema says nothing (Logging, Kestrel), keep the value as it is.
    private static JsonNode? Untyped(ShapeNode node) => node.Kind switch
    {
        ShapeKind.Object or ShapeKind.Section => new JsonObject(node.Children.Select(c => KeyValuePair.Create(c.Key, Untyped(c)))),
        ShapeKind.Array => new JsonArray(node.Children.Select(Untyped).ToArray()),
        ShapeKind.String or ShapeKind.Text => JsonValue.Create(node.Text),
        ShapeKind.Number or ShapeKind.Boolean => JsonNode.Parse(node.Text!),
        _ => null,
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}:{key}";
}
