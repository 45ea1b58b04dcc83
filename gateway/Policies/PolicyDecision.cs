namespace Gateway.Policies;

internal enum PolicyDecision
{
    Allow,
    /// <summary>A valid token from an issuer this policy does not accept: 401.</summary>
    IssuerNotAccepted,
    /// <summary>A valid token lacking a scope, role or claim: 403.</summary>
    Forbidden,
}
