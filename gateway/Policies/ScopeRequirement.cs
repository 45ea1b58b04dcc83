using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>The token carries this scope, exactly and case-sensitively (<c>scope</c> or <c>scp</c>).</summary>
internal sealed class ScopeRequirement(string scope, string path) : IRequirement
{
    public string Scope { get; } = scope;

    public string Path { get; } = path;

    public string Description { get; } = $"scope \"{scope}\"";

    public bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace)
    {
        var passed = claims.HasScope(Scope);
        if (trace is not null)
        {
            var payload = claims.Payload;
            var seen = payload.TryGetProperty("scope", out var scope) ? "scope=" + PolicyTrace.Seen(scope) : null;
            if (payload.TryGetProperty("scp", out var scp))
            {
                seen = (seen is null ? "" : seen + " ") + "scp=" + PolicyTrace.Seen(scp);
            }

            trace.Check(this, passed, seen ?? "(absent)");
        }

        return passed;
    }
}
