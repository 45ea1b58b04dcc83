using Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Tokens;

/// <summary>
/// Finds the bearer token in a request among the configured carriers: the Authorization header, custom headers,
/// cookies, query parameters. The gateway must verify the very token the downstream will read, so a request that
/// offers more than one is ambiguous (400), whichever the downstream would pick:
/// <list type="bullet">
/// <item>two carriers holding a token, even the same token (<c>Authorization</c> and a cookie, a custom header and a
/// query parameter, two configured cookies);</item>
/// <item>a carrier repeated: two <c>Authorization</c> headers, two values of a custom header, a query parameter twice
/// (names compared case-insensitively and after decoding, as ASP.NET does), or a query parameter that ASP.NET and the
/// raw query disagree on (<c>?x=1;access_token=F</c> for servers that split on <c>;</c>, <c>access%5Ftoken</c>);</item>
/// <item>a configured cookie named twice in the <c>Cookie</c> header(s), in any case (<c>access_token=F;
/// ACCESS_TOKEN=V</c>) and with any separator a server might split on (<c>;</c>, <c>,</c>, whitespace), also as
/// <c>$access_token</c> (RFC 2109 attributes): servers disagree on which of two equal names wins.</item>
/// </list>
/// <c>Authorization</c> counts as a carrier when its scheme is <c>Bearer</c> (case-insensitive) followed by any
/// whitespace: <c>Bearer&lt;TAB&gt;token</c> is a malformed bearer token (RFC 6750 allows one or more spaces only), not
/// another scheme, because a lenient downstream reads it as one. <c>DPoP &lt;token&gt;</c> carries a token too when the
/// configuration reads the DPoP scheme (RFC 9449 §7.1): it is marked <see cref="ExtractedToken.IsDpop"/> and then needs a
/// proof. Other schemes (<c>Basic</c>) carry no bearer token; on a protected route they are removed before forwarding
/// (<see cref="TokenCarrierScrubber"/>).
/// Empty cookies and custom headers carry nothing; an empty query parameter is an empty token.
/// </summary>
internal sealed class TokenExtractor
{
    private const string Bearer = "Bearer";
    private const string Dpop = "DPoP";
    private static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t\r\n\v\f");
    private readonly bool _authorizationHeader;
    private readonly bool _dpopScheme;
    private readonly string[] _headers;
    private readonly string[] _cookies;
    private readonly string[] _queryParameters;

    /// <param name="options">The configured token carriers.</param>
    /// <param name="dpopScheme">Whether <c>Authorization: DPoP &lt;token&gt;</c> carries a token too (RFC 9449 §7.1), marked <see cref="ExtractedToken.IsDpop"/>.</param>
    public TokenExtractor(TokenSourceOptions options, bool dpopScheme = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        _authorizationHeader = options.AuthorizationHeader;
        _dpopScheme = dpopScheme;
        _headers = [.. options.Headers];
        _cookies = [.. options.Cookies];
        _queryParameters = [.. options.QueryParameters];
        Scrubber = new TokenCarrierScrubber(_headers, _cookies, _queryParameters);
    }


    /// <summary>Removes the carriers other than the verified one before forwarding.</summary>
    public TokenCarrierScrubber Scrubber { get; }

    public ExtractedToken Extract(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = ExtractedToken.Missing;
        var carriers = 0;
        if (_authorizationHeader)
        {
            var values = request.Headers.Authorization;
            if (values.Count > 1)
            {
                return ExtractedToken.Ambiguous;
            }

            if (values.Count == 1 && ReadBearer(values[0], requirePrefix: true, TokenSourceKind.AuthorizationHeader, HeaderNames.Authorization) is { } token)
            {
                carriers++;
                found = token;
            }
            else if (values.Count == 1 && _dpopScheme && ReadScheme(values[0], Dpop, TokenSourceKind.AuthorizationHeader, HeaderNames.Authorization) is { } dpop)
            {
                carriers++;
                found = dpop with { IsDpop = true };
            }
        }

        foreach (var name in _headers)
        {
            var values = request.Headers[name];
            if (values.Count > 1)
            {
                return ExtractedToken.Ambiguous;
            }

            if (values.Count == 1 && ReadBearer(values[0], requirePrefix: false, TokenSourceKind.Header, name) is { } token)
            {
                carriers++;
                found = token;
            }
        }

        if (_cookies.Length > 0)
        {
            var cookieHeaders = request.Headers.Cookie;
            foreach (var name in _cookies)
            {
                var (occurrences, value) = CookieCarrier.Find(cookieHeaders, name);
                if (occurrences > 1)
                {
                    return ExtractedToken.Ambiguous;
                }

                if (value.Length > 0)
                {
                    carriers++;
                    found = ExtractedToken.Found(value, TokenSourceKind.Cookie, name);
                }
            }
        }

        foreach (var name in _queryParameters)
        {
            var values = request.Query.TryGetValue(name, out StringValues queryValues) ? queryValues : StringValues.Empty;
            // The raw query must name the carrier as often as ASP.NET's parser found it: "?x=1;access_token=F" is a
            // token to a server that also splits on ';', and "access%5Ftoken" a second spelling.
            if (values.Count > 1 || CountRawQueryCarrier(request.QueryString.Value, name) != values.Count)
            {
                return ExtractedToken.Ambiguous;
            }

            if (values.Count == 1)
            {

                carriers++;
                found = ExtractedToken.Found((values[0] ?? "").AsMemory(), TokenSourceKind.QueryParameter, name);
            }
        }

        return carriers > 1 ? ExtractedToken.Ambiguous : found;
    }

    // Occurrences of the name as a parameter in the raw query (after '?', '&' or ';', before '=', '&', ';' or the end), case-insensitively.
    private static int CountRawQueryCarrier(string? query, string name)
    {
        if (string.IsNullOrEmpty(query))
        {
            return 0;
        }

        var count = 0;
        var start = 0;
        while (start < query.Length)
        {
            var at = query.AsSpan(start).IndexOf(name, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                break;
            }

            at += start;
            start = at + name.Length;
            if (at > 0 && query[at - 1] is '?' or '&' or ';' && (start == query.Length || query[start] is '=' or '&' or ';'))
            {
                count++;
            }
        }

        return count;
    }

    // "DPoP" (case-insensitive, RFC 7235 §2.1) followed by one space and a token without whitespace; anything else after
    // the scheme is a malformed token. Null: not the DPoP scheme.
    private static ExtractedToken? ReadScheme(string? value, string scheme, TokenSourceKind source, string name)
    {
        if (value is null || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || value.Length == scheme.Length || !char.IsWhiteSpace(value[scheme.Length]))
        {
            return null;
        }

        var rest = value.AsMemory(scheme.Length);
        var token = rest.Trim(' ');
        return rest.Span[0] != ' ' || token.Span.ContainsAny(Whitespace)
            ? new ExtractedToken(TokenStatus.Malformed, default, source, name)
            : ExtractedToken.Found(token, source, name);
    }

    // "Bearer" is case-insensitive (RFC 7235 §2.1); other schemes (Basic, DPoP unless enabled...) are not ours. Null: no bearer token here.
    private static ExtractedToken? ReadBearer(string? value, bool requirePrefix, TokenSourceKind source, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.AsMemory();
        if (value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == Bearer.Length || char.IsWhiteSpace(value[Bearer.Length])))
        {
            var rest = text[Bearer.Length..];
            var token = rest.Trim(' ');
            // One or more spaces, then a token without whitespace (RFC 6750 §2.1): anything else (a tab, a line break, a
            // second word) is a malformed bearer token, which a lenient downstream might still read.
            return rest.Length > 0 && (rest.Span[0] != ' ' || token.Span.ContainsAny(Whitespace))
                ? new ExtractedToken(TokenStatus.Malformed, default, source, name)
                : ExtractedToken.Found(token, source, name);
        }

        if (requirePrefix)
        {
            return null;
        }

        var raw = text.Trim();
        return raw.Span.ContainsAny(Whitespace)
            ? new ExtractedToken(TokenStatus.Malformed, default, source, name)
            : ExtractedToken.Found(raw, source, name);
    }
}
