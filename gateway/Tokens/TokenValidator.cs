using System.Buffers;
using System.Diagnostics;
using Gateway.Observability;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// Validates a bearer token in stages, each ending in a <see cref="TokenStatus"/>:
/// size and shape → header read without trusting it → issuer found by exact <c>iss</c> →
/// algorithm in the issuer's allowlist → key by <c>kid</c> (an unknown kid triggers one throttled
/// refresh and one retry) → <see cref="JsonWebTokenHandler"/> checks signature, lifetime, issuer and
/// audience → the payload the shape inspection parsed becomes the <see cref="TokenClaims"/> (parsed once).
/// Keys named by the token itself (<c>jku</c>, <c>x5u</c>, <c>jwk</c>, <c>x5c</c>) are never used.
/// </summary>
internal sealed class TokenValidator
{
    // The deepest nesting of containers claims may have (the limit the claims were read with before they were read
    // from the inspected payload: the configurable Limits:MaxClaimDepth may allow more for the inspection itself).
    private const int MaxClaimsDepth = 32;
    private static readonly SearchValues<char> JwsChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly IssuerRegistry _issuers;
    private readonly int _maxTokenLength;
    private readonly ValidatedTokenCache? _cache;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    // The introspecting issuer's introspector, or null: it answers for tokens that are not JWTs and, with
    // Tokens: All, for JWTs of its own iss or of no configured issuer (see docs/introspection.md).
    private readonly Introspection.TokenIntrospector? _introspector;

    /// <summary>
    /// A validator for one configuration: its issuers, its token size limit and, when the cache is on, its own
    /// validated-token cache (a reload builds a new validator, so a token validated under old rules is never served).
    /// </summary>
    public TokenValidator(IssuerRegistry issuers, int maxTokenLength, ValidatedTokenCache? cache = null, TimeProvider? time = null, Introspection.TokenIntrospector? introspector = null, GatewayMetrics? metrics = null)
    {
        _metrics = metrics ?? GatewayMetrics.Unscoped;
        _introspector = introspector;
        ArgumentNullException.ThrowIfNull(issuers);
        _issuers = issuers;
        _maxTokenLength = maxTokenLength;
        _cache = cache;
        _time = time ?? TimeProvider.System;
    }

    public IssuerRegistry Issuers => _issuers;

    /// <summary>This validator's validated-token cache, or null when the cache is off.</summary>
    public ValidatedTokenCache? Cache => _cache;

    public ValueTask<TokenValidationOutcome> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ValidateAsync(token.AsMemory(), cancellationToken);
    }

    /// <summary>
    /// Validates <paramref name="token"/>. With a cache, a token that passed full validation before (same SHA-256,
    /// same issuer configuration, same key set, before its <c>exp</c>) is answered from it synchronously and without
    /// allocating; a success of the full pipeline is added to it.
    /// </summary>
    public ValueTask<TokenValidationOutcome> ValidateAsync(ReadOnlyMemory<char> token, CancellationToken cancellationToken)
    {
        // Traced only when someone listens: otherwise no activity, no extra state machine.
        var activity = TokenTelemetry.StartValidation();
        return activity is null
            ? ValidateCoreAsync(token, null, cancellationToken)
            : ValidateTracedAsync(token, activity, cancellationToken);
    }

    private async ValueTask<TokenValidationOutcome> ValidateTracedAsync(ReadOnlyMemory<char> token, Activity activity, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ValidateCoreAsync(token, activity, cancellationToken).ConfigureAwait(false);
            TokenTelemetry.Finished(activity, outcome);
            return outcome;
        }
        finally
        {
            activity.Dispose();
        }
    }

    private ValueTask<TokenValidationOutcome> ValidateCoreAsync(ReadOnlyMemory<char> token, Activity? activity, CancellationToken cancellationToken)
    {
        if (token.Length > _maxTokenLength)
        {
            return new(TokenValidationOutcome.Failure(TokenStatus.TooLarge));
        }

        // Not a JWT: only the authorization server can tell (opaque tokens never meet the JWT cache or parser).
        if (_introspector is { } introspector && !LooksLikeJws(token.Span))
        {
            TokenTelemetry.Issuer(activity, introspector.IssuerName);
            return introspector.IntrospectAsync(token, cancellationToken);
        }

        var cache = _cache;
        TokenHash hash = default;
        if (cache is not null && TokenHash.TryCompute(token.Span, out hash))
        {
            var hit = cache.TryGet(hash, _issuers, out var cached);
            _metrics.TokenCacheLookups.Add(1, new KeyValuePair<string, object?>(GatewayDiagnostics.Tags.CacheResult, hit ? "hit" : "miss"));
            if (hit)
            {
                activity?.SetTag("jwtgw.token.cached", true);
                TokenTelemetry.Issuer(activity, cached!.IssuerName!);
                return new(cached);
            }
        }
        else
        {
            cache = null; // not cacheable (not ASCII): it will fail as malformed anyway
        }

        return ValidateFullyAsync(token, cache, hash, activity, cancellationToken);
    }

    private async ValueTask<TokenValidationOutcome> ValidateFullyAsync(ReadOnlyMemory<char> tokenMemory, ValidatedTokenCache? cache, TokenHash hash, Activity? activity, CancellationToken cancellationToken)
    {
        if (!LooksLikeJws(tokenMemory.Span))
        {
            return TokenValidationOutcome.Failure(TokenStatus.Malformed);
        }

        var token = MemoryMarshalString(tokenMemory);
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            // Shaped like a JWS but not one (an opaque token may contain two dots): not a JWT, the authorization server's to judge.
            return _introspector is { } notJwt
                ? await notJwt.IntrospectAsync(tokenMemory, cancellationToken).ConfigureAwait(false)
                : TokenValidationOutcome.Failure(TokenStatus.Malformed);
        }

        TokenTelemetry.Header(activity, jwt);
        var issuer = _issuers.FindByIssuerClaim(ReadIssuer(jwt));
        if (issuer is null)
        {
            // With Tokens: All, the introspecting issuer's own JWTs (it is then not among the signature-verifying issuers)
            // and JWTs of no configured issuer are the authorization server's to judge.
            return _introspector is { Tokens: Configuration.IntrospectedTokens.All } introspector
                ? await introspector.IntrospectAsync(tokenMemory, cancellationToken).ConfigureAwait(false)
                : TokenValidationOutcome.Failure(TokenStatus.UnknownIssuer);
        }

        TokenTelemetry.Issuer(activity, issuer.Name);

        var shape = TokenShapeInspector.Inspect(jwt, issuer, _time.GetUtcNow(), out var payload);
        if (shape != TokenStatus.Valid)
        {
            return TokenValidationOutcome.Failure(shape, issuer.Name);
        }

        using (payload)
        {
            return await VerifyAsync(jwt, issuer, payload!, cache, hash, cancellationToken).ConfigureAwait(false);
        }
    }

    // Algorithm → key → signature, lifetime, iss, aud → claims, read from the payload the shape inspection parsed.
    private async ValueTask<TokenValidationOutcome> VerifyAsync(JsonWebToken jwt, IssuerProvider issuer, JsonDocument payload, ValidatedTokenCache? cache, TokenHash hash, CancellationToken cancellationToken)
    {
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
                var refreshed = await issuer.Keys.RefreshForUnknownKidAsync(kid, cancellationToken).ConfigureAwait(false);
                if (refreshed.Status != Keys.KidRefreshStatus.Found)
                {
                    // Unknown only when a successful load lacked it; a kid nobody could check is not the client's fault.
                    var status = refreshed.Keys is null ? TokenStatus.KeysUnavailable
                        : refreshed.Status == Keys.KidRefreshStatus.NotPublished ? TokenStatus.UnknownKid
                        : TokenStatus.KeyRefreshFailed;
                    return TokenValidationOutcome.Failure(status, issuer.Name);
                }

                keys = refreshed.Keys!;
            }

            // The key's kty/crv, use, key_ops and alg must fit the token's alg (RFC 8725 §3.1, RFC 7517 §4).
            if (!Keys.KeyAlgorithmAgreement.Allows(keys.ById[kid], jwt.Alg))
            {
                return TokenValidationOutcome.Failure(TokenStatus.DisallowedAlgorithm, issuer.Name);
            }
        }

        var result = await _handler.ValidateTokenAsync(jwt, issuer.ParametersFor(keys)).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return TokenValidationOutcome.Failure(Classify(result.Exception), issuer.Name);
        }

        var claims = ReadClaims(payload);
        if (claims is null)
        {
            return TokenValidationOutcome.Failure(TokenStatus.Malformed, issuer.Name);
        }

        var outcome = TokenValidationOutcome.Success(issuer.Identity, claims);
        cache?.Add(hash, issuer, keys, outcome, new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)));
        return outcome;
    }

    // The string itself when the memory covers a whole string (no copy), else a copy.
    private static string MemoryMarshalString(ReadOnlyMemory<char> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetString(memory, out var text, out var start, out var length) && start == 0 && length == text.Length
            ? text
            : memory.ToString();

    // Compact JWS: three base64url parts. Encrypted tokens (five parts) are not accepted.
    private static bool LooksLikeJws(ReadOnlySpan<char> token) =>
        token.Length > 0 && token[0] != '.' && !token.ContainsAnyExcept(JwsChars) && token.Count('.') == 2;

    // The verified payload (the inspection parsed it, within the size, depth and duplicate-name limits), copied out
    // of the pooled document into claims that may outlive this request in the validated-token cache.
    private static TokenClaims? ReadClaims(JsonDocument payload)
    {
        try
        {
            EnsureReadableText(payload.RootElement, 1);
            return new TokenClaims(payload.RootElement.Clone());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    // Valid JSON can still escape text that is not valid UTF-16 (a lone "\ud800"): reading it throws.
    // Such a payload is malformed, rather than failing later, as a 500, in a policy or a claim header.
    // Claims nest at most MaxClaimsDepth containers deep, whatever Limits:MaxClaimDepth let the inspection parse.
    private static void EnsureReadableText(JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                EnsureDepth(depth);
                foreach (var item in element.EnumerateArray())
                {
                    EnsureReadableText(item, depth + 1);
                }

                break;
            case JsonValueKind.Object:
                EnsureDepth(depth);
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    EnsureReadableText(property.Value, depth + 1);
                }

                break;
        }
    }

    private static void EnsureDepth(int depth)
    {
        if (depth > MaxClaimsDepth)
        {
            throw new JsonException($"The payload nests more than {MaxClaimsDepth} levels.");
        }
    }

    private static string? ReadIssuer(JsonWebToken jwt)
    {
        try
        {
            return jwt.Issuer;
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
        SecurityTokenInvalidAlgorithmException or SecurityTokenInvalidSigningKeyException => TokenStatus.DisallowedAlgorithm,
        SecurityTokenMalformedException or ArgumentException => TokenStatus.Malformed,
        _ => TokenStatus.Invalid,
    };
}
