namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:KeyCache</c>: refresh bounds in order, staleness no shorter than the shortest refresh.</summary>
internal sealed class KeyCacheRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var cache = context.Gateway.KeyCache;
        ValueChecks.RequirePositive(cache.MinRefreshInterval, "Gateway:KeyCache:MinRefreshInterval", context);
        ValueChecks.RequirePositive(cache.MaxRefreshInterval, "Gateway:KeyCache:MaxRefreshInterval", context);
        ValueChecks.RequirePositive(cache.MaxStaleness, "Gateway:KeyCache:MaxStaleness", context);
        ValueChecks.RequirePositive(cache.PeerFetchWait, "Gateway:KeyCache:PeerFetchWait", context);
        if (cache.MinRefreshInterval > cache.MaxRefreshInterval)
        {
            context.Add("Gateway:KeyCache:MinRefreshInterval", "must not be larger than MaxRefreshInterval");
        }

        if (cache.MaxStaleness < cache.MinRefreshInterval)
        {
            context.Add("Gateway:KeyCache:MaxStaleness", "must not be smaller than MinRefreshInterval");
        }
    }
}
