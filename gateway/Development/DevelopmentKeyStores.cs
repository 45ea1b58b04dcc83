using System.Collections.Concurrent;

namespace Gateway.Development;

/// <summary>One <see cref="DevelopmentKeyStore"/> per key directory, shared by the key source, the JWKS endpoint and the token command.</summary>
internal sealed class DevelopmentKeyStores
{
    private readonly ConcurrentDictionary<string, DevelopmentKeyStore> _stores = new(StringComparer.Ordinal);

    public DevelopmentKeyStore Get(string? directory)
    {
        var path = Path.GetFullPath(string.IsNullOrWhiteSpace(directory) ? DevelopmentKeyStore.DefaultDirectory : directory);
        return _stores.GetOrAdd(path, p => new DevelopmentKeyStore(p));
    }
}
