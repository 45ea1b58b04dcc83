using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// An immutable set of signing keys for one issuer, as last fetched. Keys published for encryption
/// (<c>use: enc</c>) are dropped when the set is built: they never verify a signature.
/// </summary>
public sealed class IssuerKeySet
{
    public IssuerKeySet(IReadOnlyList<JsonWebKey> keys, DateTimeOffset fetchedAt, string source, string? discoveredIssuer = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var usable = keys.Where(IsSigningKey).ToArray();
        Keys = usable;
        FetchedAt = fetchedAt;
        Source = source;
        DiscoveredIssuer = discoveredIssuer;
        ById = usable
            .Where(k => !string.IsNullOrEmpty(k.Kid))
            .GroupBy(k => k.Kid, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public IReadOnlyList<JsonWebKey> Keys { get; }

    public FrozenDictionary<string, JsonWebKey> ById { get; }

    public DateTimeOffset FetchedAt { get; }

    /// <summary>Where the set came from (<c>idp</c>, <c>redis</c>, <c>development</c>), for logs and metrics.</summary>
    public string Source { get; }

    /// <summary>The <c>issuer</c> of the discovery document, when keys came through discovery.</summary>
    public string? DiscoveredIssuer { get; }

    private static bool IsSigningKey(JsonWebKey key) =>
        (string.IsNullOrEmpty(key.Use) || key.Use == JsonWebKeyUseNames.Sig)
        && key.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve
        && !key.HasPrivateKey;
}
