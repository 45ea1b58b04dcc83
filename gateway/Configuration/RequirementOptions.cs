namespace Gateway.Configuration;

/// <summary>A group of requirements that must all hold; groups nest through AllOf / AnyOf.</summary>
internal record RequirementOptions
{
    /// <summary>Scopes that must all be present (from the space-delimited <c>scope</c> claim or the <c>scp</c> array).</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Roles that must all be present in the issuer's role claim.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Claim rules that must all hold.</summary>
    public IReadOnlyList<ClaimRuleOptions> Claims { get; init; } = [];

    /// <summary>Groups that must all hold.</summary>
    public IReadOnlyList<RequirementOptions> AllOf { get; init; } = [];

    /// <summary>Groups of which at least one must hold (ignored when empty).</summary>
    public IReadOnlyList<RequirementOptions> AnyOf { get; init; } = [];
}
