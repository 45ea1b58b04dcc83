using System.Text.Json;
using Gateway.Tokens;

namespace Gateway.Introspection;

/// <summary>
/// What an answer means for a request, and how long that may be remembered. An active answer is still checked
/// as a JWT would be (RFC 7662 §4: the resource server decides): <c>exp</c> and <c>nbf</c> with the issuer's clock
/// skew, <c>iss</c> (when present) exactly the issuer's, <c>aud</c> one of the issuer's audiences (required while
/// <c>ValidateAudience</c> is on). An active answer is remembered until its <c>exp</c> or <c>MaxCacheDuration</c>,
/// whichever comes first; any other verdict for <c>InactiveCacheDuration</c>.
/// </summary>
internal static class IntrospectionVerdict
{
    public static (TokenValidationOutcome Outcome, DateTimeOffset CacheUntil) Judge(IntrospectionAnswer answer, IntrospectionSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(settings);
        var refusedUntil = now + settings.InactiveCacheDuration;
        if (!answer.Active)
        {
            return (TokenValidationOutcome.Failure(TokenStatus.Inactive, settings.IssuerName), refusedUntil);
        }

        var claims = answer.Claims;
        DateTimeOffset? expires = null;
        if (claims.TryGetProperty("exp", out var exp))
        {
            if (!TryReadTime(exp, out var expiresAt))
            {
                return (TokenValidationOutcome.Failure(TokenStatus.Malformed, settings.IssuerName), refusedUntil);
            }

            if (expiresAt + settings.ClockSkew <= now)
            {
                return (TokenValidationOutcome.Failure(TokenStatus.Expired, settings.IssuerName), refusedUntil);
            }

            expires = expiresAt;
        }

        if (claims.TryGetProperty("nbf", out var nbf) && (!TryReadTime(nbf, out var notBefore) || notBefore - settings.ClockSkew > now))
        {
            return (TokenValidationOutcome.Failure(TokenStatus.NotYetValid, settings.IssuerName), refusedUntil);
        }

        if (claims.TryGetProperty("iss", out var iss) && (iss.ValueKind != JsonValueKind.String || iss.GetString() != settings.ExpectedIssuer))
        {
            return (TokenValidationOutcome.Failure(TokenStatus.WrongIssuer, settings.IssuerName), refusedUntil);
        }

        if (settings.ValidateAudience && !HasAudience(claims, settings.Audiences))
        {
            return (TokenValidationOutcome.Failure(TokenStatus.WrongAudience, settings.IssuerName), refusedUntil);
        }

        var until = now + settings.MaxCacheDuration;
        if (expires is { } e && e < until)
        {
            until = e; // within the clock skew past exp: accepted now, never served from the cache
        }

        return (TokenValidationOutcome.Success(settings.Identity, new TokenClaims(claims)), until);
    }

    // NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
    private static bool TryReadTime(JsonElement value, out DateTimeOffset time)
    {
        time = default;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || double.IsNaN(seconds)
            || seconds < 0 || seconds > 253402300799)
        {
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        return true;
    }

    private static bool HasAudience(JsonElement claims, IReadOnlySet<string> audiences)
    {
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return audiences.Contains(aud.GetString()!);
        }

        if (aud.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in aud.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && audiences.Contains(item.GetString()!))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
