namespace Gateway.Configuration;

/// <summary>
/// The validated-token cache (<c>Gateway:TokenCache</c>): a token whose signature and claims were
/// verified once is recognized by its SHA-256 on later requests, until the earliest of its <c>exp</c>,
/// a change of its issuer's signing keys, or a configuration reload. Only successes are cached.
/// </summary>
internal sealed record TokenCacheOptions
{
    /// <summary>Whether validated tokens are cached (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Most tokens held at once (default 50,000: about 100–150 MB for typical tokens). When full, expired entries are dropped first, then
    /// arbitrary ones; a token that finds no room is simply validated again on its next request.
    /// </summary>
    public int MaxEntries { get; init; } = 50_000;

    /// <summary>
    /// Upper bound on how long one entry lives, whatever the token's <c>exp</c> (default 10 minutes).
    /// The token's <c>exp</c> always ends an entry earlier when it comes first.
    /// </summary>
    public TimeSpan MaxEntryLifetime { get; init; } = TimeSpan.FromMinutes(10);
}
