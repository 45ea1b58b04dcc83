namespace Gateway.Enforcement.Refusals;

/// <summary>Which step refused a request: selects the log event and the counter a <see cref="Refusal"/> is recorded with.</summary>
internal enum RefusalCause
{
    /// <summary>The request guard, before routing: an ambiguous path, host, method or framing.</summary>
    RequestGuard,
    /// <summary>No token, several tokens, or a token that did not validate (<see cref="Tokens.TokenStatus"/>).</summary>
    Token,
    /// <summary>A valid token whose sender constraint (DPoP proof, client certificate) failed (<see cref="SenderConstraints.BindingStatus"/>).</summary>
    SenderConstraint,
    /// <summary>A valid token the route's policy does not accept (<see cref="Policies.PolicyDecision"/>).</summary>
    Policy,
    /// <summary>The matched route has no compiled plan in the active configuration.</summary>
    RouteNotConfigured,
    /// <summary>YARP matched the request with a route or cluster of another configuration (a reload in progress).</summary>
    ConfigurationChanged,
    /// <summary>The route's rate limit for this caller is used up (<see cref="Refusal.RateLimitPolicy"/>).</summary>
    RateLimit,
    /// <summary>YARP was about to send the request to a destination of another configuration (a reload in progress).</summary>
    DestinationChanged,
}
