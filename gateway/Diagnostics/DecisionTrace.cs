using Gateway.Policies;

namespace Gateway.Diagnostics;

/// <summary>
/// How the gateway decides one request, step by step (<c>explain</c>, the dashboard's explain form): the request guard,
/// the route, its policy, the token's issuer and validation stages, every requirement with the claim value it saw, the
/// shadow policy's verdict, the claim headers a downstream would receive, and the answer. Carries claim values: shown
/// to the operator who asked, never logged.
/// </summary>
internal sealed record DecisionTrace
{
    public required string Method { get; init; }

    public required string Host { get; init; }

    public required string Path { get; init; }

    /// <summary>"token" (a token was validated) or "claims" (a what-if on claims: no signature, no validation).</summary>
    public required string Input { get; init; }

    /// <summary>The request guard's rule that refused the request, or null.</summary>
    public string? GuardRefusal { get; init; }

    public string? Route { get; init; }

    /// <summary>Why no route matched (when <see cref="Route"/> is null and the guard passed).</summary>
    public string? NoRouteReason { get; init; }

    public string? Policy { get; init; }

    public bool Anonymous { get; init; }

    public string? Issuer { get; init; }

    /// <summary>Where the token was found (<c>authorization</c>, a header, a cookie, ...).</summary>
    public string? TokenSource { get; init; }

    public IReadOnlyList<ValidationStage> Validation { get; init; } = [];

    public IReadOnlyList<RequirementResult> Requirements { get; init; } = [];

    public RequirementResult? FailedRequirement { get; init; }

    public ShadowVerdict? Shadow { get; init; }

    /// <summary>The claim headers (and the issuer header) the downstream would receive.</summary>
    public IReadOnlyList<ForwardedHeader> ClaimHeaders { get; init; } = [];

    public required DecisionAnswer Answer { get; init; }

    /// <summary>What the explanation could not reproduce (e.g. revocations, offline).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One validation stage: <c>pass</c>, <c>fail</c> or <c>skipped</c> (after a failure, or for a what-if on claims).</summary>
internal sealed record ValidationStage(string Stage, string Result, string? Detail);

/// <summary>The shadow policy's would-be decision (never enforced).</summary>
internal sealed record ShadowVerdict(string Policy, string Decision, RequirementResult? FailedRequirement, IReadOnlyList<RequirementResult> Requirements);

internal sealed record ForwardedHeader(string Name, string Value);

/// <summary>The answer: forwarded (200 from the downstream) or the refusal's status, challenge and problem detail.</summary>
internal sealed record DecisionAnswer(bool Forwarded, int Status, string Decision, string Reason, string? Challenge, string Detail);
