namespace Gateway.Keys;

/// <summary>
/// When to try again after failed key loads: 1 s, 2 s, 4 s, … up to 1 min, each shortened by up to
/// 20 % at random, so replicas that failed together (an IdP outage) do not retry in lockstep.
/// The shape of IdentityModel's <c>ConfigurationManager</c> refresh jitter.
/// </summary>
internal static class RetryBackoff
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>Share of a delay that jitter may take off.</summary>
    public const double Jitter = 0.2;

    /// <summary>The delay after <paramref name="consecutiveFailures"/> failures in a row; <paramref name="random"/> in [0, 1).</summary>
    public static TimeSpan Delay(int consecutiveFailures, double random)
    {
        var seconds = Math.Min(Math.Pow(2, Math.Max(consecutiveFailures, 1) - 1), MaxDelay.TotalSeconds);
        return TimeSpan.FromSeconds(seconds * (1 - (Jitter * random)));
    }
}
