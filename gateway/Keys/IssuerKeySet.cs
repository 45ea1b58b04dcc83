using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// An immutable set of signing keys for one issuer, as last fetched. Keys published for encryption
/// (<c>use: enc</c>), private keys and key types the gateway cannot verify with (anything but RSA,
/// EC and Ed25519 OKP) are dropped when the set is built: they never verify a signature.
/// </summary>
internal sealed class IssuerKeySet
{
    public IssuerKeySet(IReadOnlyList<JsonWebKey> keys, DateTimeOffset fetchedAt, string source, string? discoveredIssuer = null, TimeSpan? lifetime = null, TimeSpan? maxStaleness = null)
    {
        var life = lifetime ?? TimeSpan.FromHours(1);
        RefreshAt = fetchedAt + (life * KeySourceSettings.RefreshAheadRatio);
        ExpiresAt = fetchedAt + life;
        UsableUntil = fetchedAt + (maxStaleness ?? TimeSpan.FromHours(24));
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

    /// <summary>When a background refresh is due (refresh-ahead, before the set expires).</summary>
    public DateTimeOffset RefreshAt { get; }

    /// <summary>When the set's lifetime (the IdP's max-age within bounds) ends.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Until when the set may still validate tokens if no refresh succeeds (maximum staleness).</summary>
    public DateTimeOffset UsableUntil { get; }

    /// <summary>Where the set came from (<c>origin</c>: the identity provider, or <c>redis</c>), for logs and metrics.</summary>
    public string Source { get; }

    /// <summary>The <c>issuer</c> of the discovery document, when keys came through discovery.</summary>
    public string? DiscoveredIssuer { get; }

    // OKP (Ed25519) keys are public-only by construction of IsEd25519PublicKey (HasPrivateKey knows only RSA and EC).
    private static bool IsSigningKey(JsonWebKey key) =>
        (string.IsNullOrEmpty(key.Use) || key.Use == JsonWebKeyUseNames.Sig)
        && ((key.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve && !key.HasPrivateKey)
            || Tokens.EdDsa.EdDsaCryptoProvider.IsEd25519PublicKey(key));
}
