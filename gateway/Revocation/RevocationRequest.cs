using Gateway.Configuration;

namespace Gateway.Revocation;

/// <summary>
/// What an operator asks for (the <c>revoke</c> command or the management endpoint), turned into an entry with its
/// lifetime against the configuration: one rule set for both ways in.
/// </summary>
internal sealed record RevocationRequest(RevocationKind Kind, string Value, string? Issuer, DateTimeOffset? IssuedBefore, DateTimeOffset? ExpiresAt)
{
    /// <summary>Longest value accepted (a jti, sub or sid).</summary>
    public const int MaxValueLength = 1024;

    /// <summary>How far in the future a subject cutoff may lie (clock differences between the operator and the gateway).</summary>
    public static TimeSpan FutureCutoffTolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The entry, or an error message that says what to change.</summary>
    public (RevocationEntry? Entry, string? Error) ToEntry(GatewayOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = RevocationEntry.KindName(Kind);
        if (string.IsNullOrEmpty(Value) || Value.Length > MaxValueLength || Value.Any(char.IsControl))
        {
            return (null, $"the {name} must be 1 to {MaxValueLength} characters without control characters");
        }

        string? issuer = null;
        if (Issuer is not null)
        {
            issuer = options.Issuers.Keys.FirstOrDefault(k => string.Equals(k, Issuer, StringComparison.OrdinalIgnoreCase));
            if (issuer is null)
            {
                return (null, $"no issuer named '{Issuer}' under Gateway:Issuers (configured: {string.Join(", ", options.Issuers.Keys)})");
            }
        }

        // The longest a token covered by this revocation can still be accepted: its issuer's lifetime plus clock skew
        // (the longest over every issuer when the revocation names none).
        var lifetime = (issuer is null ? options.Issuers.Values : [options.Issuers[issuer]])
            .Select(i => (i.MaxTokenLifetime ?? options.Revocation.DefaultLifetime) + i.ClockSkew)
            .DefaultIfEmpty(options.Revocation.DefaultLifetime)
            .Max();

        switch (Kind)
        {
            case RevocationKind.Subject:
                if (issuer is null)
                {
                    return (null, "a subject revocation names its issuer (a sub is unique only within one issuer)");
                }

                if (ExpiresAt is not null)
                {
                    return (null, "a subject revocation lasts as long as the tokens issued before its cutoff: it takes no expiry");
                }

                var cutoff = IssuedBefore ?? now;
                if (cutoff > now + FutureCutoffTolerance)
                {
                    return (null, $"the cutoff {cutoff:O} lies in the future: tokens not issued yet cannot be revoked");
                }

                var until = cutoff + lifetime;
                if (until <= now)
                {
                    return (null, $"every token issued before {cutoff:O} has already expired (the issuer's tokens live at most {lifetime})");
                }

                return (new RevocationEntry(Kind, issuer, Value, cutoff, until, now), null);

            default:
                if (IssuedBefore is not null)
                {
                    return (null, $"only a subject revocation takes a cutoff ('before'); a {name} revocation refuses every token with that {name}");
                }

                // The token's exp, when the operator knows it, plus the clock skew during which it is still accepted.
                var skew = issuer is null ? options.Issuers.Values.Select(i => i.ClockSkew).DefaultIfEmpty(TimeSpan.Zero).Max() : options.Issuers[issuer].ClockSkew;
                var expires = ExpiresAt is { } exp ? exp + skew : now + lifetime;
                if (expires <= now)
                {
                    return (null, $"the expiry {ExpiresAt:O} has passed: such a token is refused as expired anyway");
                }

                if (expires > now + TimeSpan.FromDays(366))
                {
                    return (null, "the expiry lies more than 366 days ahead");
                }

                return (new RevocationEntry(Kind, issuer, Value, null, expires, now), null);
        }
    }
}
