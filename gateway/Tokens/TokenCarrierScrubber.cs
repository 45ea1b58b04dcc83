using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Net.Http.Headers;

namespace Gateway.Tokens;

/// <summary>
/// On a protected route, after the token was verified: removes every configured token carrier other than the one
/// that held the verified token, and <c>Authorization</c> whenever the token came from elsewhere (even with that source
/// disabled), so the downstream can only ever read the token the gateway checked. Covers what the
/// extractor does not count as a token but a downstream may still read: another scheme in <c>Authorization</c>
/// (<c>Basic</c>), an empty or underscore-spelled custom header (<c>X_Access_Token</c>), a token cookie anywhere in
/// <c>Cookie</c>, a token query parameter hidden behind a <c>;</c> separator. The verified carrier itself is left to
/// <c>ForwardAuthorizationHeader</c> and the query rule (a query token is never forwarded).
/// </summary>
internal sealed class TokenCarrierScrubber
{
    private readonly string[] _headers;
    private readonly string[] _cookies;
    private readonly string[] _queryParameters;

    public TokenCarrierScrubber(string[] headers, string[] cookies, string[] queryParameters)
    {
        _headers = headers;
        _cookies = cookies;
        _queryParameters = queryParameters;
    }

    public void RemoveOtherCarriers(HttpRequest request, ExtractedToken verified)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        // Also when the Authorization source is disabled: a downstream that decodes the JWT it finds there without
        // verifying it ("the gateway checked it") must never find one the gateway did not check.
        if (verified.Source != TokenSourceKind.AuthorizationHeader)
        {
            headers.Remove(HeaderNames.Authorization);
        }

        if (_headers.Length > 0)
        {
            RemoveCustomHeaders(headers, verified);
        }

        if (_cookies.Length > 0 && headers.Cookie.Count > 0)
        {
            RemoveCookies(headers, verified);
        }

        if (_queryParameters.Length > 0 && request.QueryString.HasValue)
        {
            RemoveQueryParameters(request, verified);
        }
    }

    private void RemoveCustomHeaders(IHeaderDictionary headers, ExtractedToken verified)
    {
        List<string>? remove = null;
        foreach (var name in headers.Keys)
        {
            var dashed = name.Replace('_', '-');
            foreach (var carrier in _headers)
            {
                var isVerified = verified.Source == TokenSourceKind.Header && string.Equals(name, verified.SourceName, StringComparison.OrdinalIgnoreCase);
                if (!isVerified && string.Equals(dashed, carrier, StringComparison.OrdinalIgnoreCase))
                {
                    (remove ??= []).Add(name);
                }
            }
        }

        foreach (var name in remove ?? [])
        {
            headers.Remove(name);
        }
    }

    private void RemoveCookies(IHeaderDictionary headers, ExtractedToken verified)
    {
        // Rewritten only when another carrier is named at all (checked without allocating): the usual request keeps its header.
        var named = false;
        foreach (var name in _cookies)
        {
            named |= !IsVerifiedCookie(name, verified) && CookieCarrier.Find(headers.Cookie, name).Occurrences > 0;
        }

        if (!named)
        {
            return;
        }

        var kept = new List<string>();
        var changed = false;
        foreach (var header in headers.Cookie)
        {
            foreach (var pair in (header ?? "").Split(';'))
            {
                var isCarrier = false;
                foreach (var name in _cookies)
                {
                    isCarrier |= !IsVerifiedCookie(name, verified) && CookieCarrier.IsNamed(pair, name);
                }

                if (isCarrier)
                {
                    changed = true;
                }
                else if (!string.IsNullOrWhiteSpace(pair))
                {
                    kept.Add(pair.Trim());
                }
            }
        }

        if (!changed)
        {
            return;
        }

        if (kept.Count == 0)
        {
            headers.Remove(HeaderNames.Cookie);
        }
        else
        {
            headers.Cookie = string.Join("; ", kept);
        }
    }

    private static bool IsVerifiedCookie(string name, ExtractedToken verified) =>
        verified.Source == TokenSourceKind.Cookie && string.Equals(name, verified.SourceName, StringComparison.OrdinalIgnoreCase);

    // Rebuilt (each name and value re-encoded) when a carrier is present or merely named in the raw query, so that a
    // downstream splitting on ';' cannot find one either.
    private void RemoveQueryParameters(HttpRequest request, ExtractedToken verified)
    {
        var raw = request.QueryString.Value!;
        var named = false;
        foreach (var name in _queryParameters)
        {
            named |= request.Query.ContainsKey(name) || raw.Contains(name, StringComparison.OrdinalIgnoreCase);
        }

        if (!named)
        {
            return;
        }

        var query = new QueryBuilder();
        foreach (var (key, values) in request.Query)
        {
            var isCarrier = _queryParameters.Any(name => string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                && !(verified.Source == TokenSourceKind.QueryParameter && string.Equals(key, verified.SourceName, StringComparison.OrdinalIgnoreCase));
            if (!isCarrier)
            {
                foreach (var value in values)
                {
                    query.Add(key, value ?? "");
                }
            }
        }

        request.QueryString = query.ToQueryString();
    }
}
