using Gateway.Tokens;

namespace Gateway.Configuration.Validation;

/// <summary>Header names in the configuration: their syntax, and which a claim may never set.</summary>
internal static class HeaderChecks
{
    // Headers whose meaning belongs to HTTP or to the gateway itself: a claim may never overwrite them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Proxy-Authorization", "Content-Length", "Content-Type", "Transfer-Encoding",
        "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Cookie", "Expect", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "traceparent", "tracestate",
        "DPoP", "DPoP-Nonce",
    };

    // RFC 9110 §5.6.2 tchar.
    public static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is a syntactically valid header name (an RFC 9110 token).</summary>
    public static bool IsHeaderName(string? name) => !string.IsNullOrEmpty(name) && name.All(IsTokenChar);

    /// <summary>A header the gateway sets: a valid name, and not one of HTTP's or the gateway's own.</summary>
    public static void RequireSettableHeader(string name, string path, ConfigValidationContext context)
    {
        if (!IsHeaderName(name))
        {
            context.Add(path, $"'{name}' is not a valid header name");
        }
        else if (ReservedHeaders.Contains(name) || name.StartsWith(':'))
        {
            context.Add(path, $"'{name}' is reserved and cannot carry a claim");
        }
    }

    public static void RequireSettableHeaders(IReadOnlyList<string> names, string path, ConfigValidationContext context)
    {
        for (var i = 0; i < names.Count; i++)
        {
            RequireSettableHeader(names[i], $"{path}:{i}", context);
        }
    }

    /// <summary>A claim-header list (global, issuer's or policy's). An empty claim removes a header set at a wider level, where that is allowed.</summary>
    public static void RequireClaimHeaders(IReadOnlyList<ClaimHeaderOptions> headers, string path, bool allowRemoval, ConfigValidationContext context)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var itemPath = $"{path}:{i}";
            RequireSettableHeader(header.Header, $"{itemPath}:Header", context);
            if (!seen.Add(header.Header))
            {
                context.Add($"{itemPath}:Header", $"duplicate header mapping '{header.Header}' (header names are case-insensitive)");
            }

            if (header.Claim.Length == 0 ? !allowRemoval : !ClaimPath.IsValid(header.Claim))
            {
                context.Add($"{itemPath}:Claim", $"'{header.Claim}' is not a claim path");
            }
        }
    }
}
