using System.Text.Json;

namespace Gateway.Tokens;

/// <summary>
/// The verified payload of a token, read once after validation. Policies and claim headers work on
/// it without re-parsing the token. Immutable apart from lazily built lookup sets.
/// </summary>
public sealed class TokenClaims
{
    private HashSet<string>? _scopes;
    private (ClaimPath Path, HashSet<string> Values)? _roles;

    public TokenClaims(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The token payload must be a JSON object.", nameof(payload));
        }

        Payload = payload;
    }

    public JsonElement Payload { get; }

    public string? Subject => Payload.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString() : null;

    /// <summary>Scopes from the space-delimited <c>scope</c> claim and from <c>scp</c> (array or space-delimited string).</summary>
    public bool HasScope(string scope)
    {
        _scopes ??= ReadScopes(Payload);
        return _scopes.Contains(scope);
    }

    /// <summary>Roles from the issuer's role claim (a string or an array of strings).</summary>
    public bool HasRole(ClaimPath roleClaim, string role)
    {
        var roles = _roles;
        if (roles is null || !ReferenceEquals(roles.Value.Path, roleClaim))
        {
            roles = (roleClaim, ReadStrings(Payload, roleClaim, splitOnSpaces: false));
            _roles = roles;
        }

        return roles.Value.Values.Contains(role);
    }

    private static HashSet<string> ReadScopes(JsonElement payload)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        AddStrings(payload, "scope", scopes);
        AddStrings(payload, "scp", scopes);
        return scopes;
    }

    private static HashSet<string> ReadStrings(JsonElement payload, ClaimPath path, bool splitOnSpaces)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (path.TryResolve(payload, out var value))
        {
            Add(value, set, splitOnSpaces);
        }

        return set;
    }

    private static void AddStrings(JsonElement payload, string name, HashSet<string> into)
    {
        if (payload.TryGetProperty(name, out var value))
        {
            Add(value, into, splitOnSpaces: true);
        }
    }

    private static void Add(JsonElement value, HashSet<string> into, bool splitOnSpaces)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (splitOnSpaces)
                {
                    foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        into.Add(part);
                    }
                }
                else
                {
                    into.Add(text);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        into.Add(item.GetString()!);
                    }
                }

                break;
        }
    }
}
