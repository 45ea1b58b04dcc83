using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Forwarding;

/// <summary>
/// Removes, from every request on every route, each header the gateway owns (all claim headers of
/// every policy and route, plus <c>StripHeaders</c>) and each header downstreams trust for routing or identity
/// (<see cref="RoutingHeaders"/>, unless the route passes it), whatever its case or repetition, also when spelled with
/// <c>_</c> for <c>-</c>. Names listed
/// in <c>Connection</c> are also dropped from it, so a client cannot make a hop remove the gateway's
/// own headers.
/// </summary>
internal sealed class IdentityHeaderStripper
{
    // The gateway's own headers, removed by name (a handful); every stripped name, checked in one pass over the
    // request's headers (the routing headers are many and rarely present: removing each by name would cost more).
    private readonly string[] _owned;
    private readonly FrozenSet<string> _set;
    private readonly FrozenDictionary<string, IdentityHeaderStripper> _byRoute;

    /// <param name="headerNames">The gateway's own headers: always removed.</param>
    /// <param name="passedByRoute">Route id → names of <see cref="RoutingHeaders.Names"/> that route lets through.</param>
    public IdentityHeaderStripper(IEnumerable<string> headerNames, IReadOnlyDictionary<string, string[]>? passedByRoute = null)
    {
        var owned = headerNames.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _owned = [.. owned];
        _set = owned.Concat(RoutingHeaders.Names).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _byRoute = (passedByRoute ?? new Dictionary<string, string[]>())
            .ToFrozenDictionary(
                pair => pair.Key,
                pair => new IdentityHeaderStripper(_owned, _set.Where(name => owned.Contains(name) || !pair.Value.Contains(name, StringComparer.OrdinalIgnoreCase)).ToFrozenSet(StringComparer.OrdinalIgnoreCase)),
                StringComparer.OrdinalIgnoreCase);
    }

    private IdentityHeaderStripper(string[] owned, FrozenSet<string> set)
    {
        _owned = owned;
        _set = set;
        _byRoute = FrozenDictionary<string, IdentityHeaderStripper>.Empty;
    }

    /// <summary>Every name stripped (the gateway's own headers and the routing headers), without a route's exceptions.</summary>
    public IReadOnlyCollection<string> Names => _set;

    /// <summary>Strips the headers for route <paramref name="routeId"/>: all of them unless the route passes some routing headers.</summary>
    public void Strip(IHeaderDictionary headers, string routeId) =>
        (_byRoute.GetValueOrDefault(routeId) ?? this).Strip(headers);

    public void Strip(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var name in _owned)
        {
            headers.Remove(name); // the header dictionary is case-insensitive; Remove drops every value
        }

        RemoveListedAndUnderscoreSpellings(headers);

        var connection = headers.Connection;
        if (connection.Count > 0)
        {
            StripConnectionTokens(headers, connection);
        }
    }

    // The routing headers, in one pass; and, for every stripped name, its spelling with '_' for '-': some servers
    // (CGI-style environments, nginx with underscores_in_headers) read "X_User_Id" as "X-User-Id".
    private void RemoveListedAndUnderscoreSpellings(IHeaderDictionary headers)
    {
        // Enumerated as pairs, not through Keys (Kestrel builds a new set of names on every Keys call); a
        // HeaderDictionary's own enumerator is a struct, so that one is enumerated without an interface.
        List<string>? spoofed = null;
        if (headers is HeaderDictionary dictionary)
        {
            foreach (var header in dictionary)
            {
                CollectSpoofed(header.Key, ref spoofed);
            }
        }
        else
        {
            foreach (var header in headers)
            {
                CollectSpoofed(header.Key, ref spoofed);
            }
        }

        if (spoofed is null)
        {
            return; // the usual case: nothing to remove (and no empty list allocated to say so)
        }

        foreach (var name in spoofed)
        {
            headers.Remove(name);
        }
    }

    private void CollectSpoofed(string name, ref List<string>? spoofed)
    {
        if (_set.Contains(name) || (name.Contains('_', StringComparison.Ordinal) && _set.Contains(name.Replace('_', '-'))))
        {
            (spoofed ??= []).Add(name);
        }
    }

    private void StripConnectionTokens(IHeaderDictionary headers, Microsoft.Extensions.Primitives.StringValues connection)
    {
        var kept = new List<string>();
        var changed = false;
        foreach (var value in connection)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (_set.Contains(token))
                {
                    changed = true;
                }
                else
                {
                    kept.Add(token);
                }
            }
        }

        if (changed)
        {
            if (kept.Count == 0)
            {
                headers.Remove(HeaderNames.Connection);
            }
            else
            {
                headers.Connection = string.Join(", ", kept);
            }
        }
    }
}
