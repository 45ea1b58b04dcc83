namespace Gateway.Keys;

/// <summary>The embedded default: no shared level, every replica keeps its keys in memory only.</summary>
public sealed class NullKeyDocumentCache : IKeyDocumentCache
{
    public static NullKeyDocumentCache Instance { get; } = new();

    public Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken) =>
        Task.FromResult<KeyDocument?>(null);

    public Task SetAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
