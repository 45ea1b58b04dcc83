namespace Gateway.Keys;

/// <summary>
/// The shared level of the key cache (Redis), read before calling the identity provider and written
/// after. Implementations never throw: an unavailable cache reads as a miss and writes are dropped.
/// </summary>
public interface IKeyDocumentCache
{
    Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken);

    Task SetAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken);
}
