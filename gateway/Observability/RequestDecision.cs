namespace Gateway.Observability;

/// <summary>What the gateway did with a request on a proxied route; the <c>jwtgw.decision</c> tag.</summary>
internal enum RequestDecision
{
    /// <summary>Not decided (the request did not reach the enforcement step).</summary>
    None,
    /// <summary>A valid token satisfying the route's policy: forwarded.</summary>
    Allow,
    /// <summary>An anonymous route: forwarded without a token check.</summary>
    Anonymous,
    /// <summary>401: no token, an invalid token, or an issuer the policy does not accept.</summary>
    Unauthorized,
    /// <summary>403: a valid token that does not satisfy the policy.</summary>
    Forbidden,
    /// <summary>400: more than one token in the request.</summary>
    InvalidRequest,
    /// <summary>503: the issuer's keys are unavailable, or the route has no compiled policy.</summary>
    Unavailable,
    /// <summary>429: the route's rate limit for this caller is used up (not forwarded).</summary>
    RateLimited,
}
