namespace Gateway.Configuration;

/// <summary>Health and metrics endpoints, and shutdown (<c>Gateway:Management</c>). Read at startup only.</summary>
internal sealed record ManagementOptions
{
    /// <summary>
    /// A separate listener for the management endpoints (<c>http://0.0.0.0:9090</c>): they are then served
    /// only there, and the public listener answers 404 for their paths. Unset: served on the public listener.
    /// </summary>
    public string? Url { get; init; }

    /// <summary>
    /// On SIGTERM, how long in-flight requests may take to finish before they are aborted (the host's
    /// shutdown timeout). Keep it below Kubernetes' <c>terminationGracePeriodSeconds</c>. Default 25 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// On SIGTERM, how long the gateway keeps accepting new requests while <c>/healthz/ready</c> already
    /// answers 503, so load balancers stop sending traffic first. Part of <see cref="DrainTimeout"/>. Default 0.
    /// </summary>
    public TimeSpan ShutdownDelay { get; init; } = TimeSpan.Zero;
}
