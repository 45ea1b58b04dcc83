using System.Security.Cryptography;
using System.Text;

namespace Gateway.Keys;

/// <summary>
/// Keys written into the configuration (<c>Gateway:Issuers:{name}:Jwks</c>, a JWKS as a JSON string). They change
/// only with the configuration, and a changed configuration makes a new source (the address carries a hash of the JWKS).
/// </summary>
internal sealed class InlineKeyDocumentFetcher : ILocalKeySource
{
    private readonly string _jwks;
    private readonly TimeProvider _time;
    private volatile bool _read;

    public InlineKeyDocumentFetcher(string jwks, TimeProvider time)
    {
        _jwks = jwks;
        _time = time;
        SourceAddress = AddressOf(jwks);
    }

    public string SourceAddress { get; }

    public KeySetSource Kind => KeySetSource.Inline;

    /// <summary><c>inline:sha256:{hex}</c>: stable for one JWKS, different for any other; names no key.</summary>
    public static string AddressOf(string jwks) =>
        "inline:sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jwks)));

    public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        _read = true;
        if (LocalJwks.Problem(_jwks) is { } problem)
        {
            throw new LocalKeySourceException("invalid", "the inline JWKS was refused: " + problem);
        }

        return Task.FromResult(new KeyDocument(_jwks, _time.GetUtcNow()));
    }

    public ValueTask<bool> HasChangedAsync(CancellationToken cancellationToken) => new(!_read);
}
