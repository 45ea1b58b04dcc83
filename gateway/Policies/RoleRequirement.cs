using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>The issuer's role claim (a string or an array) holds this role exactly.</summary>
internal sealed class RoleRequirement(string role, string path) : IRequirement
{
    public string Role { get; } = role;

    public string Path { get; } = path;

    public string Description { get; } = $"role \"{role}\"";

    public bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace)
    {
        var passed = claims.HasRole(issuer.RoleClaim, Role);
        if (trace is not null)
        {
            var seen = issuer.RoleClaim.TryResolve(claims.Payload, out var value) ? value : (System.Text.Json.JsonElement?)null;
            trace.Check(Path, $"{Description} in claim {issuer.RoleClaim.Text}", passed, PolicyTrace.Seen(seen));
        }

        return passed;
    }
}
