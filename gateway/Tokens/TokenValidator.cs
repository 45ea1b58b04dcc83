using System.Diagnostics;
using System.Text.Json;
using Gateway.Observability;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// Validates a bearer token in stages, each ending in a <see cref="TokenStatus"/>:
/// size and shape → header read without trusting it → issuer found by exact <c>iss</c> →
/// algorithm in the issuer's allowlist → key by <c>kid</c> (an unknown kid triggers one throttled
/// refresh and one retry) → <see cref="JsonWebTokenHandler"/> checks signature, lifetime, issuer and
/// audience → the verified payload is parsed once into <see cref="TokenClaims"/>.
/// Keys named by the token itself (<c>jku</c>, <c>x5u</c>, <c>jwk</c>, <c>x5c</c>) are never used.
/// </summary>
public sealed class TokenValidator
{
    private static readonly JsonDocumentOptions PayloadOptions = new() { MaxDepth = 32 };
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public ValueTask<TokenValidationOutcome> ValidateAsync(string token, IssuerRegistry issuers, int maxTokenLength, CancellationToken cancellationToken)
    {
        // Traced only when someone listens: otherwise no activity, no extra state machine.
        var activity = TokenTelemetry.StartValidation();
        return activity is null ? ValidateCoreAsync(token, issuers, maxTokenLength, null, cancellationToken) : ValidateTracedAsync(token, issuers, maxTokenLength, activity, cancellationToken);
    }

    private async ValueTask<TokenValidationOutcome> ValidateTracedAsync(string token, IssuerRegistry issuers, int maxTokenLength, Activity activity, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ValidateCoreAsync(token, issuers, maxTokenLength, activity, cancellationToken).ConfigureAwait(false);
            TokenTelemetry.Finished(activity, outcome);
            return outcome;
        }
        finally
        {
            activity.Dispose();
        }
    }

    private async ValueTask<TokenValidationOutcome> ValidateCoreAsync(string token, IssuerRegistry issuers, int maxTokenLength, Activity? activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(issuers);
        if (token.Length > maxTokenLength)
        {
            return TokenValidationOutcome.Failure(TokenStatus.TooLarge);
        }

        if (!LooksLikeJws(token))
        {
            return TokenValidationOutcome.Failure(TokenStatus.Malformed);
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            return TokenValidationOutcome.Failure(TokenStatus.Malformed);
        }

        TokenTelemetry.Header(activity, jwt);
        var issuer = issuers.FindByIssuerClaim(TryRead(() => jwt.Issuer));
        if (issuer is null)
        {
            return TokenValidationOutcome.Failure(TokenStatus.UnknownIssuer);
        }

        TokenTelemetry.Issuer(activity, issuer.Name);

        if (string.IsNullOrEmpty(jwt.Alg) || !issuer.Algorithms.Contains(jwt.Alg))
        {
            return TokenValidationOutcome.Failure(TokenStatus.DisallowedAlgorithm, issuer.Name);
        }

        var keys = await issuer.Keys.GetKeysAsync(cancellationToken).ConfigureAwait(false);
        if (keys is null)
        {
            return TokenValidationOutcome.Failure(TokenStatus.KeysUnavailable, issuer.Name);
        }

        var kid = jwt.Kid;
        if (!string.IsNullOrEmpty(kid))
        {
            if (!keys.ById.ContainsKey(kid))
            {
                keys = await issuer.Keys.RefreshForUnknownKidAsync(kid, cancellationToken).ConfigureAwait(false);
                if (keys is null || !keys.ById.ContainsKey(kid))
                {
                    return TokenValidationOutcome.Failure(TokenStatus.UnknownKid, issuer.Name);
                }
            }

            // A key that declares its algorithm only verifies that algorithm (RFC 7517 §4.4).
            var key = keys.ById[kid];
            if (!string.IsNullOrEmpty(key.Alg) && !string.Equals(key.Alg, jwt.Alg, StringComparison.Ordinal))
            {
                return TokenValidationOutcome.Failure(TokenStatus.DisallowedAlgorithm, issuer.Name);
            }
        }

        var result = await _handler.ValidateTokenAsync(jwt, issuer.ParametersFor(keys)).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return TokenValidationOutcome.Failure(Classify(result.Exception), issuer.Name);
        }

        var claims = ReadClaims(jwt);
        return claims is null
            ? TokenValidationOutcome.Failure(TokenStatus.Malformed, issuer.Name)
            : TokenValidationOutcome.Success(issuer.Name, claims);
    }

    // Compact JWS: three base64url parts. Encrypted tokens (five parts) are not accepted.
    private static bool LooksLikeJws(string token)
    {
        var dots = 0;
        foreach (var c in token)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        return dots == 2 && token[0] != '.';
    }

    private static TokenClaims? ReadClaims(JsonWebToken jwt)
    {
        try
        {
            var bytes = Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload);
            using var document = JsonDocument.Parse(bytes, PayloadOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            EnsureReadableText(document.RootElement);
            return new TokenClaims(document.RootElement.Clone());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    // Valid JSON can still escape text that is not valid UTF-16 (a lone "\ud800"): reading it throws.
    // Such a payload is malformed, rather than failing later, as a 500, in a policy or a claim header.
    private static void EnsureReadableText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    EnsureReadableText(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    EnsureReadableText(property.Value);
                }

                break;
        }
    }

    private static string? TryRead(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException)
        {
            return null;
        }
    }

    private static TokenStatus Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => TokenStatus.Expired,
        SecurityTokenNotYetValidException => TokenStatus.NotYetValid,
        SecurityTokenNoExpirationException => TokenStatus.MissingExpiration,
        SecurityTokenInvalidAudienceException => TokenStatus.WrongAudience,
        SecurityTokenInvalidIssuerException => TokenStatus.WrongIssuer,
        SecurityTokenSignatureKeyNotFoundException => TokenStatus.UnknownKid,
        SecurityTokenInvalidSignatureException => TokenStatus.BadSignature,
        SecurityTokenInvalidAlgorithmException => TokenStatus.DisallowedAlgorithm,
        SecurityTokenMalformedException or ArgumentException => TokenStatus.Malformed,
        _ => TokenStatus.Invalid,
    };
}
