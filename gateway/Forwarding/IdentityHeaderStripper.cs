using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Forwarding;

/// <summary>
/// Removes, from every request on every route, each header the gateway owns (all claim headers of
/// every policy and route, plus <c>StripHeaders</c>), whatever its case or repetition. Names listed
/// in <c>Connection</c> are also dropped from it, so a client cannot make a hop remove the gateway's
/// own headers.
/// </summary>
public sealed class IdentityHeaderStripper
{
    private readonly string[] _names;
    private readonly FrozenSet<string> _set;

    public IdentityHeaderStripper(IEnumerable<string> headerNames)
    {
        _set = headerNames.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _names = [.. _set];
    }

    public IReadOnlyCollection<string> Names => _names;

    public void Strip(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var name in _names)
        {
            headers.Remove(name); // the header dictionary is case-insensitive; Remove drops every value
        }

        var connection = headers.Connection;
        if (connection.Count > 0)
        {
            StripConnectionTokens(headers, connection);
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
