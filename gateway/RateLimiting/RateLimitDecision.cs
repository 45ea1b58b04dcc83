namespace Gateway.RateLimiting;

/// <summary>Where a request was counted: in the fleet's Redis counter, or by this replica alone.</summary>
internal enum RateLimitStore
{
    Redis,
    Local,
}

/// <summary>One rate-limit check: whether the request may pass, what remains of the quota and when it resets.</summary>
internal readonly record struct RateLimitDecision(bool Allowed, long Remaining, TimeSpan Reset, RateLimitStore Store);
