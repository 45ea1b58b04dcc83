namespace Gateway.Keys;

/// <summary>
/// Where an <see cref="IssuerKeyManager"/>'s loads go. <see cref="OriginKeySource"/> asks the origin (identity provider,
/// file, inline JWKS) directly; <see cref="FleetKeySource"/>, which exists only when Redis is configured, decorates it
/// with the fleet protocol (shared copy, fetch lease, waiting for a peer, publish). The manager keeps what is per
/// replica — memory, single flight, refresh-ahead, backoff — and never knows which one it has.
/// </summary>
internal interface IKeySource
{
    /// <summary>The origin itself: a local source (<see cref="ILocalKeySource"/>) is read on change rather than on a schedule.</summary>
    IKeyDocumentFetcher Origin { get; }

    /// <summary>
    /// Loads keys for <paramref name="request"/> and applies them to <paramref name="memory"/>. Returns the key set in
    /// force afterwards, or null when the source left memory as it was on purpose (another replica's fetch is pending
    /// and the keys in memory are still fresh). Throws when the load failed: the manager backs off.
    /// </summary>
    Task<IssuerKeySet?> LoadAsync(KeyLoadRequest request, IKeyMemory memory);

    /// <summary>Another replica published keys for this source: take them if newer (never from the origin).</summary>
    Task ReloadPublishedAsync(IKeyMemory memory);
}

/// <summary>The memory level of one issuer's keys, as a key source sees it while it loads.</summary>
internal interface IKeyMemory
{
    KeySourceSettings Settings { get; }

    /// <summary>The keys in memory now (they change while a load waits: a change notice may bring newer ones).</summary>
    IssuerKeySet? Current { get; }

    /// <summary>Puts a key set in memory unless newer keys are there already; returns the set in force.</summary>
    IssuerKeySet Apply(IssuerKeySet set);
}
