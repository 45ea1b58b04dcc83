using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>
/// A rule on one claim. Values compare as text: strings by their value, numbers and booleans by
/// their JSON text (<c>42</c>, <c>true</c>); objects never equal a configured value.
/// </summary>
internal sealed class ClaimRuleRequirement : IRequirement
{
    private const int MaxValuesComparedInPlace = 8;
    private readonly ClaimPath _path;
    private readonly ClaimRuleKind _kind;
    private readonly FrozenSet<string> _values;
    private readonly bool _mustExist;

    private ClaimRuleRequirement(ClaimPath path, ClaimRuleKind kind, IReadOnlyCollection<string> values, bool mustExist, string configPath, string description)
    {
        _path = path;
        _kind = kind;
        _values = values.ToFrozenSet(StringComparer.Ordinal);
        _mustExist = mustExist;
        Path = configPath;
        Description = $"claim {path.Text} {description}";
    }

    public string Path { get; }

    public string Description { get; }

    public static ClaimRuleRequirement EqualTo(ClaimPath path, string value, string configPath = "") =>
        new(path, ClaimRuleKind.OneOf, [value], true, configPath, $"equal to \"{value}\"");

    public static ClaimRuleRequirement OneOf(ClaimPath path, IReadOnlyCollection<string> values, string configPath = "") =>
        new(path, ClaimRuleKind.OneOf, values, true, configPath, $"one of [{string.Join(", ", values.Select(v => $"\"{v}\""))}]");

    public static ClaimRuleRequirement Exists(ClaimPath path, bool mustExist, string configPath = "") =>
        new(path, ClaimRuleKind.Exists, [], mustExist, configPath, mustExist ? "present" : "absent");

    public static ClaimRuleRequirement Contains(ClaimPath path, string value, string configPath = "") =>
        new(path, ClaimRuleKind.Contains, [value], true, configPath, $"contains \"{value}\"");

    public bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace)
    {
        var passed = IsSatisfiedBy(claims);
        if (trace is not null)
        {
            var seen = _path.TryResolve(claims.Payload, out var value) ? value : (JsonElement?)null;
            trace.Check(this, passed, PolicyTrace.Seen(seen));
        }

        return passed;
    }

    private bool IsSatisfiedBy(TokenClaims claims)
    {
        var found = _path.TryResolve(claims.Payload, out var value) && value.ValueKind != JsonValueKind.Null;
        switch (_kind)
        {
            case ClaimRuleKind.Exists:
                return found == _mustExist;
            case ClaimRuleKind.OneOf:
                return found && Matches(value);
            case ClaimRuleKind.Contains:
                if (!found)
                {
                    return false;
                }

                if (value.ValueKind != JsonValueKind.Array)
                {
                    return Matches(value);
                }

                foreach (var item in value.EnumerateArray())
                {
                    if (Matches(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    // A JSON boolean written in the configuration file reaches the options as "True"/"False" (the
    // configuration system's text for it), so a boolean claim also matches that spelling. Strings
    // still compare exactly: a string claim "true" never matches a configured "True".
    private bool Matches(JsonElement value)
    {
        // A string against a few configured values: compared in place, without reading the claim into a string
        // (the request path allocates nothing for the common rule).
        if (value.ValueKind == JsonValueKind.String && _values.Count <= MaxValuesComparedInPlace)
        {
            foreach (var candidate in _values)
            {
                if (value.ValueEquals(candidate))
                {
                    return true;
                }
            }

            return false;
        }

        if (!TryScalarText(value, out var text))
        {
            return false;
        }

        return _values.Contains(text) || value.ValueKind switch
        {
            JsonValueKind.True => _values.Contains(bool.TrueString),
            JsonValueKind.False => _values.Contains(bool.FalseString),
            _ => false,
        };
    }

    private static bool TryScalarText(JsonElement value, out string text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text = value.GetString()!;
                return true;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                text = value.GetRawText();
                return true;
            default:
                text = "";
                return false;
        }
    }

    private enum ClaimRuleKind
    {
        OneOf,
        Exists,
        Contains,
    }
}
