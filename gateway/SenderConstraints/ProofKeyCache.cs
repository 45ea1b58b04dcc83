using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.SenderConstraints;

/// <summary>
/// Verifying signature providers of DPoP proof keys, by algorithm and RFC 7638 thumbprint: a client signs every proof
/// with the same key, and importing a public key costs several times its signature check (OpenSSL 3), so each key is
/// imported once. Equal thumbprints are equal public keys (the thumbprint covers every public member). Bounded: at
/// its bound (<see cref="DefaultMaxEntries"/>) the cache is emptied and refilled (a flood of distinct keys costs imports, never memory);
/// only requests with a valid DPoP-bound access token reach it. Providers are never disposed here: one may still be in
/// use by a concurrent request when the cache is emptied, and the runtime finalises the key.
/// </summary>
internal sealed class ProofKeyCache
{
    public const int DefaultMaxEntries = 4096;
    private readonly ConcurrentDictionary<string, SignatureProvider> _providers = new(StringComparer.Ordinal);
    private readonly int _maxEntries;

    public ProofKeyCache(int maxEntries = DefaultMaxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _maxEntries = maxEntries;
    }

    public int Count => _providers.Count;

    /// <summary>The provider verifying <paramref name="alg"/> signatures with <paramref name="key"/>, whose thumbprint is <paramref name="thumbprint"/>.</summary>
    public SignatureProvider GetOrCreate(JsonWebKey key, string alg, string thumbprint)
    {
        var id = string.Concat(alg, ":", thumbprint);
        if (_providers.TryGetValue(id, out var provider))
        {
            return provider;
        }

        provider = CryptoProviderFactory.Default.CreateForVerifying(key, alg, cacheProvider: false);
        if (_providers.Count >= _maxEntries)
        {
            _providers.Clear();
        }

        return _providers.GetOrAdd(id, provider);
    }
}
