namespace Gateway.Keys;

/// <summary>
/// Where one issuer's keys come from and the timing rules they follow. Value equality lets a
/// configuration reload keep a manager (and its loaded keys) whose source did not change.
/// </summary>
internal sealed record KeySourceSettings(
    string IssuerName,
    string SourceAddress,
    TimeSpan DefaultLifetime,
    TimeSpan MinLifetime,
    TimeSpan MaxLifetime,
    TimeSpan UnknownKidRefreshInterval,
    TimeSpan FetchTimeout,
    TimeSpan MaxStaleness,
    TimeSpan PeerFetchWait)
{
    /// <summary>Share of a key set's lifetime after which it is refreshed in the background.</summary>
    public const double RefreshAheadRatio = 0.8;

    /// <summary>
    /// The staleness limit of a local key source (file, inline): its keys stay usable until it changes, since the
    /// source is the truth and no identity provider can be out of reach (a century: far, yet within DateTimeOffset).
    /// </summary>
    public static readonly TimeSpan NeverStale = TimeSpan.FromDays(36525);

    /// <summary>The lifetime of a fetched set: the IdP's max-age within bounds, else the default.</summary>
    public TimeSpan LifetimeFor(TimeSpan? maxAge)
    {
        var lifetime = maxAge ?? DefaultLifetime;
        return lifetime < MinLifetime ? MinLifetime : lifetime > MaxLifetime ? MaxLifetime : lifetime;
    }
}
