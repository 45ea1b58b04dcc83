using System.Text.Json;

namespace Gateway.Policies;

/// <summary>
/// The per-requirement results of one policy evaluation, in configuration order (a group first, then its inner
/// requirements one level deeper). Filled by <see cref="IRequirement.Evaluate"/> when one is passed; the request path
/// passes none and builds one only to explain a refusal or a shadow policy's disagreement.
/// </summary>
internal sealed class PolicyTrace
{
    private const int MaxSeenLength = 200;
    private readonly List<RequirementResult> _results = [];
    private int _depth;

    public IReadOnlyList<RequirementResult> Results => _results;

    /// <summary>
    /// The requirement that made the policy fail, or null when it passed: a failed check; in a failed all-of group its
    /// first failed member (recursively); a failed any-of group itself (none of its alternatives held).
    /// </summary>
    public RequirementResult? FailedRequirement
    {
        get
        {
            var index = 0;
            while (index < _results.Count)
            {
                var result = _results[index];
                if (result.Passed)
                {
                    index = NextSibling(index);
                    continue;
                }

                if (result.Kind != RequirementKind.AllOf)
                {
                    return result;
                }

                index++; // into the failed all-of group: its first failed member is the cause
            }

            return null;
        }
    }

    internal int BeginGroup(IRequirement group, RequirementKind kind)
    {
        _results.Add(new RequirementResult(group.Path, group.Description, false, null, _depth, kind));
        _depth++;
        return _results.Count - 1;
    }

    internal void EndGroup(int index, bool passed)
    {
        _depth--;
        _results[index] = _results[index] with { Passed = passed };
    }

    internal void Check(IRequirement requirement, bool passed, string? seen) =>
        _results.Add(new RequirementResult(requirement.Path, requirement.Description, passed, seen, _depth, RequirementKind.Check));

    internal void Check(string path, string description, bool passed, string? seen) =>
        _results.Add(new RequirementResult(path, description, passed, seen, _depth, RequirementKind.Check));

    /// <summary>A claim value as the trace shows it: its JSON text, shortened; "(absent)" when the token lacks it.</summary>
    internal static string Seen(JsonElement? value)
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Undefined)
        {
            return "(absent)";
        }

        var text = element.GetRawText();
        return text.Length <= MaxSeenLength ? text : string.Concat(text.AsSpan(0, MaxSeenLength), "…");
    }

    private int NextSibling(int index)
    {
        var depth = _results[index].Depth;
        index++;
        while (index < _results.Count && _results[index].Depth > depth)
        {
            index++;
        }

        return index;
    }
}
