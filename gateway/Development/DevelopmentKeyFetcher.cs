using Gateway.Keys;

namespace Gateway.Development;

/// <summary>Serves the development issuer's public keys without any network call.</summary>
internal sealed class DevelopmentKeyFetcher : IKeyDocumentFetcher
{
    private readonly DevelopmentKeyStore _store;
    private readonly TimeProvider _time;

    public DevelopmentKeyFetcher(DevelopmentKeyStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public string SourceAddress => "development:" + _store.Directory;

    public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new KeyDocument(_store.PublicJwksJson(), _time.GetUtcNow()));
}
