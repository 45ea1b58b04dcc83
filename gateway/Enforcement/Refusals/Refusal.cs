using Gateway.Observability;
using Gateway.Policies;
using Gateway.Tokens;

namespace Gateway.Enforcement.Refusals;

/// <summary>
/// One refused request, complete: why (<see cref="Cause"/> and its status), how it is counted (<see cref="Decision"/>,
/// <see cref="Reason"/>) and how it is answered (status code, challenge, problem text, headers). Built only by
/// <see cref="RefusalTable"/>, recorded and answered only by <see cref="RefusalResponder"/>: a refusal is decided once
/// and rendered once. The answer's texts are fixed strings: nothing from the request (least of all the token) is echoed.
/// </summary>
internal sealed record Refusal
{
    public required RefusalCause Cause { get; init; }

    /// <summary>The <c>jwtgw.decision</c> recorded for the request.</summary>
    public required RequestDecision Decision { get; init; }

    /// <summary>The <c>jwtgw.reason</c> value: snake_case, from a fixed vocabulary.</summary>
    public required string Reason { get; init; }

    public required int StatusCode { get; init; }

    /// <summary>The RFC 6750 <c>WWW-Authenticate</c> value, or null for an answer without a challenge.</summary>
    public string? Challenge { get; init; }

    /// <summary>The problem+json <c>title</c> (RFC 9457).</summary>
    public required string Title { get; init; }

    /// <summary>The problem+json <c>detail</c> (RFC 9457).</summary>
    public required string Detail { get; init; }

    /// <summary>The <c>Retry-After</c> value (seconds) of a refusal the client may retry, else null.</summary>
    public string? RetryAfter { get; init; }

    /// <summary>The <c>Allow</c> value of a 405, else null.</summary>
    public string? Allow { get; init; }

    /// <summary>Whether the connection is closed after the answer (the request's framing or target cannot be trusted).</summary>
    public bool CloseConnection { get; init; }

    /// <summary>The token's status, for <see cref="RefusalCause.Token"/>.</summary>
    public TokenStatus TokenStatus { get; init; }

    /// <summary>The sender constraint's status, for <see cref="RefusalCause.SenderConstraint"/>.</summary>
    public SenderConstraints.BindingStatus BindingStatus { get; init; }

    /// <summary>The binding checked (<c>dpop</c>, <c>mtls</c>, ...), for <see cref="RefusalCause.SenderConstraint"/>.</summary>
    public string? Binding { get; init; }

    /// <summary>A fresh server nonce sent as <c>DPoP-Nonce</c> (RFC 9449 §8), else null.</summary>
    public string? DpopNonce { get; init; }

    /// <summary>The policy's decision, for <see cref="RefusalCause.Policy"/>.</summary>
    public PolicyDecision PolicyDecision { get; init; }

    /// <summary>The guard's rule (a <see cref="RequestGuard"/> constant), for <see cref="RefusalCause.RequestGuard"/>.</summary>
    public string? GuardRule { get; init; }

    /// <summary>The rate-limit policy, for <see cref="RefusalCause.RateLimit"/>.</summary>
    public string? RateLimitPolicy { get; init; }

    /// <summary>The <c>RateLimit-Policy</c> and <c>RateLimit</c> values of a 429, else null.</summary>
    public (string Policy, string Current)? RateLimitHeaders { get; init; }

    /// <summary>The configured issuer the token was matched to, when known.</summary>
    public string? Issuer { get; init; }

    /// <summary>For a policy refusal: the requirement that failed (from the policy's trace). Logged; never a claim value.</summary>
    public RequirementResult? FailedRequirement { get; init; }

    /// <summary>Whether the answer's problem JSON names <see cref="FailedRequirement"/> (<c>Gateway:Diagnostics:ExplainDenials</c>, Development only).</summary>
    public bool ExplainInAnswer { get; init; }
}
