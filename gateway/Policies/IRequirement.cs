using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>One compiled check on verified claims. Evaluated per request; built once per configuration.</summary>
internal interface IRequirement
{
    /// <summary>Where the requirement is written in the configuration, e.g. <c>Gateway:Policies:admin:Roles:0</c>.</summary>
    string Path { get; }

    /// <summary>What the requirement asks for, in words (<c>role "admin"</c>); never a claim value of a request.</summary>
    string Description { get; }

    /// <summary>
    /// Whether <paramref name="claims"/> satisfy the requirement. The request path passes no trace: nothing is
    /// allocated and a group stops at its first deciding result. With a <paramref name="trace"/> (a refusal being
    /// explained, <c>explain</c>, a shadow policy's disagreement) the same checks run, every inner requirement is
    /// evaluated and each result is recorded with the claim value it saw.
    /// </summary>
    bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace);
}
