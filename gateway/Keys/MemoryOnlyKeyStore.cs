namespace Gateway.Keys;

/// <summary>The embedded default without Redis: nothing is shared, every replica fetches for itself.</summary>
internal sealed class MemoryOnlyKeyStore : ISharedKeyStore
{
    public static MemoryOnlyKeyStore Instance { get; } = new();

    public event Action<string, string>? Changed
    {
        add { }
        remove { }
    }

    public Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken) =>
        Task.FromResult<KeyDocument?>(null);

    public Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken) =>
        Task.FromResult(true);

    public Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken) =>
        Task.FromResult(true);

    public Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken) =>
        Task.FromResult(FetchLeaseState.Unknown);
}
