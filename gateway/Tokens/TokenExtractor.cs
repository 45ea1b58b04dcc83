using Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Tokens;

/// <summary>
/// Finds the bearer token in a request, trying the configured sources in a fixed order:
/// Authorization header, custom headers, cookies, query parameters. A source that repeats itself
/// (two Authorization headers, two values of a custom header) makes the request ambiguous.
/// </summary>
public sealed class TokenExtractor
{
    private const string BearerPrefix = "Bearer ";
    private readonly bool _authorizationHeader;
    private readonly string[] _headers;
    private readonly string[] _cookies;
    private readonly string[] _queryParameters;

    public TokenExtractor(TokenSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _authorizationHeader = options.AuthorizationHeader;
        _headers = [.. options.Headers];
        _cookies = [.. options.Cookies];
        _queryParameters = [.. options.QueryParameters];
    }

    /// <summary>Header names holding tokens (so they can be removed before forwarding when asked).</summary>
    public IReadOnlyList<string> CustomHeaders => _headers;

    public IReadOnlyList<string> QueryParameters => _queryParameters;

    public ExtractedToken Extract(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_authorizationHeader)
        {
            var values = request.Headers.Authorization;
            if (values.Count > 1)
            {
                return ExtractedToken.Ambiguous;
            }

            if (values.Count == 1 && TryStripBearer(values[0], requirePrefix: true, out var token))
            {
                return ExtractedToken.Found(token, TokenSourceKind.AuthorizationHeader, HeaderNames.Authorization);
            }
        }

        foreach (var name in _headers)
        {
            var values = request.Headers[name];
            if (values.Count > 1)
            {
                return ExtractedToken.Ambiguous;
            }

            if (values.Count == 1 && TryStripBearer(values[0], requirePrefix: false, out var token))
            {
                return ExtractedToken.Found(token, TokenSourceKind.Header, name);
            }
        }

        foreach (var name in _cookies)
        {
            if (request.Cookies.TryGetValue(name, out var token) && !string.IsNullOrEmpty(token))
            {
                return ExtractedToken.Found(token.AsMemory(), TokenSourceKind.Cookie, name);
            }
        }

        foreach (var name in _queryParameters)
        {
            if (request.Query.TryGetValue(name, out StringValues values) && values.Count > 0)
            {
                return values.Count > 1 ? ExtractedToken.Ambiguous : ExtractedToken.Found((values[0] ?? "").AsMemory(), TokenSourceKind.QueryParameter, name);
            }
        }

        return ExtractedToken.Missing;
    }

    // "Bearer" is case-insensitive (RFC 7235 §2.1); other schemes (Basic, DPoP...) are not ours.
    private static bool TryStripBearer(string? value, bool requirePrefix, out ReadOnlyMemory<char> token)
    {
        token = default;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = value.AsMemory(BearerPrefix.Length).Trim(' ');
            return true;
        }

        if (value.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (requirePrefix)
        {
            return false;
        }

        token = value.AsMemory().Trim();
        return true;
    }
}
