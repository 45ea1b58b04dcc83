namespace Gateway.Configuration;

/// <summary>How long signing keys live, in memory and in the shared Redis level (<c>Gateway:KeyCache</c>).</summary>
internal sealed record KeyCacheOptions
{
    /// <summary>Lower bound on a key set's lifetime, however small the IdP's <c>Cache-Control: max-age</c>. Default 1 minute.</summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Upper bound on a key set's lifetime, however large the IdP's <c>max-age</c>. Default 24 hours.</summary>
    public TimeSpan MaxRefreshInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long the last keys fetched keep validating tokens while the identity provider cannot be
    /// reached. Past it, the issuer's tokens get 503 until a fetch succeeds. Default 24 hours.
    /// </summary>
    public TimeSpan MaxStaleness { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a replica waits for another replica's fetch (seen in Redis) before fetching itself. Default 2 seconds.</summary>
    public TimeSpan PeerFetchWait { get; init; } = TimeSpan.FromSeconds(2);
}
