using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// Inspects the JOSE header and the payload of a token before any signature is checked (RFC 8725), one
/// small named step each; the first failing step decides the <see cref="TokenStatus"/>:
/// <list type="number">
/// <item>both parts decode to JSON objects within the size and nesting limits, with no duplicate member
/// names at any depth (two readers could see two different tokens);</item>
/// <item><c>alg</c> is a string and neither <c>none</c> (in any spelling) nor an HMAC algorithm;</item>
/// <item>no <c>crit</c> (the gateway implements no extension), no <c>b64: false</c> (RFC 7797), no <c>zip</c>,
/// no nested JWT (<c>cty: JWT</c>); <c>kid</c>, <c>typ</c>, <c>cty</c> are strings when present (<c>kid</c> is only
/// ever an opaque dictionary key);</item>
/// <item>the issuer's <c>RequiredType</c>, when set;</item>
/// <item><c>exp</c> present and numeric, <c>nbf</c>/<c>iat</c> numeric when present, <c>iat</c> not in the future
/// beyond the clock skew, and <c>exp</c> − <c>iat</c> within the issuer's <c>MaxTokenLifetime</c>.</item>
/// </list>
/// Never throws for any input: every failure is a status.
/// </summary>
internal static class TokenShapeInspector
{
    public static TokenStatus Inspect(JsonWebToken jwt, IssuerProvider issuer, DateTimeOffset now)
    {
        var status = Inspect(jwt, issuer, now, out var payload);
        payload?.Dispose();
        return status;
    }

    /// <summary>
    /// Inspects <paramref name="jwt"/> under <paramref name="issuer"/>'s rules and, when it passes, hands over the
    /// payload it parsed (the caller disposes it): the claims are read from it, not decoded and parsed again.
    /// </summary>
    public static TokenStatus Inspect(JsonWebToken jwt, IssuerProvider issuer, DateTimeOffset now, out JsonDocument? payload)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        ArgumentNullException.ThrowIfNull(issuer);
        var token = jwt.EncodedToken;
        var dot1 = token.IndexOf('.', StringComparison.Ordinal);
        var dot2 = dot1 < 0 ? -1 : token.IndexOf('.', dot1 + 1);
        if (jwt.IsEncrypted || dot2 < 0)
        {
            return Inspect(jwt.EncodedHeader, jwt.EncodedPayload, issuer.Shape, now, out payload);
        }

        // The parts as views of the token: JsonWebToken's EncodedHeader and EncodedPayload would each copy a part
        // into a new string (≈ 1 KB per cache miss for a typical token), for nothing else reads them.
        return Inspect(token.AsSpan(0, dot1), token.AsSpan(dot1 + 1, dot2 - dot1 - 1), issuer.Shape, now, out payload);
    }

    public static TokenStatus Inspect(string encodedHeader, string encodedPayload, TokenShapeRules rules, DateTimeOffset now)
    {
        var status = Inspect(encodedHeader, encodedPayload, rules, now, out var payload);
        payload?.Dispose();
        return status;
    }

    /// <summary>As <see cref="Inspect(string, string, TokenShapeRules, DateTimeOffset)"/>; on success <paramref name="payload"/> is the parsed payload, owned by the caller.</summary>
    public static TokenStatus Inspect(string encodedHeader, string encodedPayload, TokenShapeRules rules, DateTimeOffset now, out JsonDocument? payload)
    {
        ArgumentNullException.ThrowIfNull(encodedHeader);
        ArgumentNullException.ThrowIfNull(encodedPayload);
        return Inspect(encodedHeader.AsSpan(), encodedPayload.AsSpan(), rules, now, out payload);
    }

    private static TokenStatus Inspect(ReadOnlySpan<char> encodedHeader, ReadOnlySpan<char> encodedPayload, TokenShapeRules rules, DateTimeOffset now, out JsonDocument? payload)
    {
        ArgumentNullException.ThrowIfNull(rules);
        payload = null;

        var status = ParseObject(encodedHeader, rules.MaxHeaderBytes, rules.MaxDepth, out var header);
        if (status != TokenStatus.Valid)
        {
            return status;
        }

        using (header)
        {
            var root = header!.RootElement;
            status = CheckAlgorithm(root);
            if (status == TokenStatus.Valid)
            {
                status = CheckHeaderParameters(root);
            }

            if (status == TokenStatus.Valid)
            {
                status = CheckType(root, rules.RequiredType);
            }

            if (status != TokenStatus.Valid)
            {
                return status;
            }
        }

        status = ParseObject(encodedPayload, rules.MaxPayloadBytes, rules.MaxDepth, out var document);
        if (status != TokenStatus.Valid)
        {
            return status;
        }

        status = CheckTimes(document!.RootElement, rules, now);
        if (status != TokenStatus.Valid)
        {
            document.Dispose();
            return status;
        }

        payload = document;
        return TokenStatus.Valid;
    }

    /// <summary>True when <paramref name="type"/> names <paramref name="required"/>: case-insensitive, <c>application/</c> optional (RFC 7515 §4.1.9).</summary>
    public static bool TypeMatches(string type, string required)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(required);
        return string.Equals(StripApplication(type), StripApplication(required), StringComparison.OrdinalIgnoreCase);
    }

    private static string StripApplication(string mediaType) =>
        mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? mediaType["application/".Length..] : mediaType;

    // Step 1: a JSON object within the limits, no duplicate member names at any depth.
    private static TokenStatus ParseObject(ReadOnlySpan<char> encoded, int maxBytes, int maxDepth, out JsonDocument? document)
    {
        document = null;

        // Base64url: 4 characters carry 3 bytes; refuse before decoding anything clearly too large.
        if ((long)encoded.Length * 3 / 4 > maxBytes)
        {
            return TokenStatus.TooLarge;
        }

        if (!Base64UrlDecoding.TryDecode(encoded, out var bytes))
        {
            return TokenStatus.Malformed;
        }

        if (bytes.Length > maxBytes)
        {
            return TokenStatus.TooLarge;
        }

        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return TokenStatus.Malformed;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            return TokenStatus.Malformed;
        }

        return TokenStatus.Valid;
    }

    // Step 2: alg. The issuer's allowlist is checked next by the validator; these can never be allowed.
    private static TokenStatus CheckAlgorithm(JsonElement header)
    {
        if (!header.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
        {
            return TokenStatus.Malformed;
        }

        var name = alg.GetString()!.Trim();
        return name.Length == 0 || SigningAlgorithms.IsNeverAllowed(name)
            ? TokenStatus.DisallowedAlgorithm
            : TokenStatus.Valid;
    }

    // Step 3: header parameters the gateway does not implement, and parameter types.
    private static TokenStatus CheckHeaderParameters(JsonElement header)
    {
        if (header.TryGetProperty("crit", out _) || header.TryGetProperty("zip", out _))
        {
            return TokenStatus.UnsupportedHeader;
        }

        if (header.TryGetProperty("b64", out var b64) && b64.ValueKind != JsonValueKind.True)
        {
            return TokenStatus.UnsupportedHeader;
        }

        foreach (var name in (ReadOnlySpan<string>)["kid", "typ", "cty"])
        {
            if (header.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.String)
            {
                return TokenStatus.Malformed;
            }
        }

        return header.TryGetProperty("cty", out var cty) && TypeMatches(cty.GetString()!, "JWT")
            ? TokenStatus.UnsupportedHeader
            : TokenStatus.Valid;
    }

    // Step 4: typ, when the issuer requires one (RFC 9068 access tokens: at+jwt).
    private static TokenStatus CheckType(JsonElement header, string? requiredType)
    {
        if (requiredType is null)
        {
            return TokenStatus.Valid;
        }

        return header.TryGetProperty("typ", out var typ) && TypeMatches(typ.GetString()!, requiredType)
            ? TokenStatus.Valid
            : TokenStatus.WrongType;
    }

    // Step 5: exp required and numeric; nbf and iat numeric; iat not in the future; lifetime bounded.
    // exp and nbf against the clock are checked again after the signature by JsonWebTokenHandler.
    private static TokenStatus CheckTimes(JsonElement payload, TokenShapeRules rules, DateTimeOffset now)
    {
        if (!payload.TryGetProperty("exp", out var expElement))
        {
            return TokenStatus.MissingExpiration;
        }

        if (!TryReadNumericDate(expElement, out var exp)
            || !TryReadOptionalNumericDate(payload, "nbf", out var nbf)
            || !TryReadOptionalNumericDate(payload, "iat", out var iat))
        {
            return TokenStatus.Malformed;
        }

        var nowSeconds = now.ToUnixTimeMilliseconds() / 1000.0;
        var skew = rules.ClockSkew.TotalSeconds;
        if (iat > nowSeconds + skew || nbf > nowSeconds + skew)
        {
            return TokenStatus.NotYetValid;
        }

        if (rules.MaxLifetime is { } maxLifetime)
        {
            var start = iat ?? nbf ?? nowSeconds;
            if (exp - start > maxLifetime.TotalSeconds)
            {
                return TokenStatus.LifetimeTooLong;
            }
        }

        return TokenStatus.Valid;
    }

    private static bool TryReadOptionalNumericDate(JsonElement payload, string name, out double? value)
    {
        value = null;
        if (!payload.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (!TryReadNumericDate(element, out var seconds))
        {
            return false;
        }

        value = seconds;
        return true;
    }

    // RFC 7519 §2 NumericDate: a JSON number of seconds (a string "1700000000" is not one).
    private static bool TryReadNumericDate(JsonElement element, out double seconds)
    {
        seconds = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out seconds) && double.IsFinite(seconds) && seconds >= 0;
    }
}
