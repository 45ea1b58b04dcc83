namespace Gateway.Keys;

/// <summary>
/// The shared level of the key cache (Redis), through which replicas share fetched key documents,
/// elect the one replica that calls the identity provider, and tell each other about new keys.
/// Implementations never throw: an unavailable store reads as a miss, grants every lease (each
/// replica then fetches for itself) and drops writes.
/// </summary>
internal interface ISharedKeyStore
{
    /// <summary>A verified entry for this issuer and source, or null (missing, unavailable, or failing the integrity check).</summary>
    Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken);

    /// <summary>Stores the document and notifies every replica; false when the document could not be stored.</summary>
    Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken);

    /// <summary>
    /// Asks for the right to call the identity provider for this source, for <paramref name="lease"/>.
    /// Leases of different <paramref name="purpose"/>s are independent (a scheduled load does not
    /// spend the unknown-kid allowance). False: another replica holds it and publishes what it fetches.
    /// </summary>
    Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// The holder reports how its fetch ended, so replicas waiting for it stop waiting: a succeeded
    /// <see cref="FetchLeasePurpose.Load"/> lease is deleted (its result is published); a succeeded <see cref="FetchLeasePurpose.Kid"/> lease is kept until
    /// it expires (one unknown-kid fetch per interval for the fleet) but marked done; a failed lease is
    /// marked failed. Only the holder's own lease is changed (compare-and-set).
    /// </summary>
    Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken);

    /// <summary>The state of the lease for a replica that lost it (<see cref="FetchLeaseState.Unknown"/> when the store is unavailable).</summary>
    Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken);

    /// <summary>Raised when another replica published new keys for (issuer, source); never for this replica's own publish.</summary>
    event Action<string, string>? Changed;
}
