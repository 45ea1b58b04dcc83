using System.Text.Json;

namespace Gateway.Tokens;

/// <summary>
/// The verified payload of a token, read once after validation. Policies and claim headers work on
/// it without re-parsing the token. Immutable apart from lazily built lookup sets, which are published
/// atomically: one instance is shared by concurrent requests when it comes from the validated-token cache.
/// </summary>
internal sealed class TokenClaims
{
    private volatile HashSet<string>? _scopes;
    private volatile RoleSet? _roles;
    private volatile DerivedValues? _derived;
    private volatile TokenIdentifiers? _identifiers;
    private volatile TokenConfirmation? _confirmation;

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

    /// <summary>The claims a revocation can match (<c>jti</c>, <c>sub</c>, <c>sid</c>, <c>iat</c>), read on first use and kept.</summary>
    public TokenIdentifiers Identifiers => _identifiers ??= TokenIdentifiers.Read(Payload);

    /// <summary>The <c>cnf</c> claim (what the token is bound to), read on first use and kept: a cached token reads it once.</summary>
    public TokenConfirmation Confirmation => _confirmation ??= TokenConfirmation.Read(Payload);

    /// <summary>Scopes from the space-delimited <c>scope</c> claim and from <c>scp</c> (array or space-delimited string).</summary>
    public bool HasScope(string scope)
    {
        var scopes = _scopes ??= ReadScopes(Payload);
        return scopes.Contains(scope);
    }

    /// <summary>Roles from the issuer's role claim (a string or an array of strings).</summary>
    public bool HasRole(ClaimPath roleClaim, string role)
    {
        var roles = _roles;
        if (roles is null || !ReferenceEquals(roles.Path, roleClaim))
        {
            roles = new RoleSet(roleClaim, ReadStrings(Payload, roleClaim, splitOnSpaces: false));
            _roles = roles;
        }

        return roles.Values.Contains(role);
    }

    /// <summary>
    /// Values derived from these claims by <paramref name="owner"/> (a route's claim headers), computed on
    /// first use and reused while the same owner asks again: a cached token's headers are encoded once.
    /// One slot: another owner replaces it (correct, only slower).
    /// </summary>
    public string?[] GetOrAddDerived<TOwner>(TOwner owner, Func<TokenClaims, TOwner, string?[]> compute)
        where TOwner : class
    {
        ArgumentNullException.ThrowIfNull(compute);
        var derived = _derived;
        if (derived is not null && ReferenceEquals(derived.Owner, owner))
        {
            return derived.Values;
        }

        var values = compute(this, owner);
        _derived = new DerivedValues(owner, values);
        return values;
    }

    private sealed record RoleSet(ClaimPath Path, HashSet<string> Values);

    private sealed record DerivedValues(object Owner, string?[] Values);

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
