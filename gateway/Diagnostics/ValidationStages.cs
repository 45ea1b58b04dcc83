using Gateway.Enforcement.Refusals;
using Gateway.Tokens;

namespace Gateway.Diagnostics;

/// <summary>
/// The <see cref="TokenValidator"/>'s stages in the order it runs them, and the statuses each can end in: turns the
/// validator's one result into the list <c>explain</c> shows (stages before the failing one passed, those after it did
/// not run).
/// </summary>
internal static class ValidationStages
{
    private static readonly (string Stage, TokenStatus[] Failures)[] Stages =
    [
        ("extract (one token, from a configured carrier)", [TokenStatus.Missing, TokenStatus.Ambiguous]),
        ("size (Limits:MaxTokenLength)", [TokenStatus.TooLarge]),
        ("format (compact JWS: header.payload.signature)", [TokenStatus.Malformed]),
        ("issuer (iss names a configured issuer)", [TokenStatus.UnknownIssuer]),
        ("header and shape (typ, crit, size, depth, lifetime limit)", [TokenStatus.UnsupportedHeader, TokenStatus.WrongType, TokenStatus.LifetimeTooLong]),
        ("algorithm (issuer's allowlist, key agreement)", [TokenStatus.DisallowedAlgorithm]),
        ("signing key (by kid; an unknown kid triggers one throttled refresh)", [TokenStatus.KeysUnavailable, TokenStatus.UnknownKid, TokenStatus.KeyRefreshFailed]),
        ("signature, lifetime, iss, aud (JsonWebTokenHandler)", [TokenStatus.BadSignature, TokenStatus.Expired, TokenStatus.NotYetValid, TokenStatus.MissingExpiration, TokenStatus.WrongAudience, TokenStatus.WrongIssuer, TokenStatus.Invalid]),
        ("revocation", [TokenStatus.Revoked]),
    ];

    /// <summary>Every stage for a token that ended in <paramref name="status"/> (<see cref="TokenStatus.Valid"/>: all passed).</summary>
    public static IReadOnlyList<ValidationStage> For(TokenStatus status, bool revocationChecked)
    {
        var failedAt = Array.FindIndex(Stages, s => s.Failures.Contains(status));
        var stages = new List<ValidationStage>(Stages.Length);
        for (var i = 0; i < Stages.Length; i++)
        {
            var stage = Stages[i].Stage;
            if (failedAt >= 0 && i == failedAt)
            {
                stages.Add(new ValidationStage(stage, "fail", $"{status}: {(status == TokenStatus.Missing ? "no token" : status == TokenStatus.Ambiguous ? "more than one token" : RefusalTable.Describe(status))}"));
            }
            else if (failedAt >= 0 && i > failedAt)
            {
                stages.Add(new ValidationStage(stage, "skipped", null));
            }
            else if (i == Stages.Length - 1 && !revocationChecked)
            {
                stages.Add(new ValidationStage(stage, "skipped", "not checked: revocations live in the running gateway (use the dashboard's explain form)"));
            }
            else
            {
                stages.Add(new ValidationStage(stage, "pass", null));
            }
        }

        return stages;
    }

    /// <summary>A what-if on claims: nothing was validated.</summary>
    public static IReadOnlyList<ValidationStage> NotValidated() =>
        Stages.Select(s => new ValidationStage(s.Stage, "skipped", "claims given, not a token: nothing validated")).ToList();
}
