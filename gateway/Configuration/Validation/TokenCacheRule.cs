namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:TokenCache</c>: a bounded size and entry lifetime.</summary>
internal sealed class TokenCacheRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var cache = context.Gateway.TokenCache;
        if (cache.MaxEntries is < 1 or > 10_000_000)
        {
            context.Add("Gateway:TokenCache:MaxEntries", "must be between 1 and 10000000");
        }

        if (cache.MaxEntryLifetime <= TimeSpan.Zero || cache.MaxEntryLifetime > TimeSpan.FromDays(1))
        {
            context.Add("Gateway:TokenCache:MaxEntryLifetime", "must be between 00:00:00.001 and 1.00:00:00");
        }
    }
}
