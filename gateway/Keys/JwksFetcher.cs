using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>Reads a plain JWKS URL.</summary>
public sealed class JwksFetcher : IKeyDocumentFetcher
{
    private readonly IDocumentRetriever _retriever;
    private readonly TimeProvider _time;

    public JwksFetcher(string jwksUri, IDocumentRetriever retriever, TimeProvider time)
    {
        SourceAddress = jwksUri;
        _retriever = retriever;
        _time = time;
    }

    public string SourceAddress { get; }

    public async Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        var json = await _retriever.GetDocumentAsync(SourceAddress, cancellationToken).ConfigureAwait(false);
        _ = new JsonWebKeySet(json); // parse now: a malformed document must fail the fetch, not poison the cache
        return new KeyDocument(json, null, _time.GetUtcNow());
    }
}
