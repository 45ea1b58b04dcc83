namespace Gateway.Policies;

/// <summary>One requirement's result in a <see cref="PolicyTrace"/>.</summary>
/// <param name="Path">Where the requirement is written in the configuration.</param>
/// <param name="Description">What it asks for.</param>
/// <param name="Passed">Whether the claims satisfied it.</param>
/// <param name="Seen">The claim value it read (JSON text, shortened), or null for a group.</param>
/// <param name="Depth">Nesting depth: 0 for the policy's top level; a group's inner requirements follow it one level deeper.</param>
/// <param name="Kind">Leaf check, all-of group or any-of group.</param>
internal sealed record RequirementResult(string Path, string Description, bool Passed, string? Seen, int Depth, RequirementKind Kind);

internal enum RequirementKind
{
    Check,
    AllOf,
    AnyOf,
}
