using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration;

/// <summary>One rule on one claim; exactly one of Equals, OneOf, Exists, Contains is set.</summary>
internal sealed record ClaimRuleOptions
{
    /// <summary>Claim path, dots for nesting (<c>org.tenant</c>).</summary>
    public string Claim { get; init; } = "";

    /// <summary>The claim's value equals this (strings exactly; numbers and booleans by their JSON text).</summary>
    [ConfigurationKeyName("Equals")]
    public string? EqualTo { get; init; }

    /// <summary>The claim's value is one of these.</summary>
    public IReadOnlyList<string>? OneOf { get; init; }

    /// <summary>true: the claim is present; false: it is absent.</summary>
    public bool? Exists { get; init; }

    /// <summary>The claim is an array containing this value (a single string counts as a one-element array).</summary>
    public string? Contains { get; init; }
}
