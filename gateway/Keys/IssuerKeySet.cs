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
    public IssuerKeySet(IReadOnlyList<JsonWebKey> keys, DateTimeOffset fetchedAt, KeySetSource source, TimeSpan? lifetime = null, TimeSpan? maxStaleness = null)
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

    /// <summary>Where the set came from, for readiness, logs and metrics (<see cref="KeySetSourceNames.Name"/>).</summary>
    public KeySetSource Source { get; }

    /// <summary>
    /// The key set a document yields under <paramref name="settings"/>' timings, or null when it holds no usable signing
    /// key or is not a JWKS (such a document never replaces keys; a shared entry is signed, but may have been written by a
    /// broken version).
    /// </summary>
    public static IssuerKeySet? FromDocument(KeyDocument document, KeySetSource source, KeySourceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var set = new IssuerKeySet(new JsonWebKeySet(document.JwksJson).Keys.ToArray(), document.FetchedAt, source, settings.LifetimeFor(document.MaxAge), settings.MaxStaleness);
            return set.Keys.Count == 0 ? null : set;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // OKP (Ed25519) keys are public-only by construction of IsEd25519PublicKey (HasPrivateKey knows only RSA and EC).
    private static bool IsSigningKey(JsonWebKey key) =>
        (string.IsNullOrEmpty(key.Use) || key.Use == JsonWebKeyUseNames.Sig)
        && ((key.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve && !key.HasPrivateKey)
            || Tokens.EdDsa.EdDsaCryptoProvider.IsEd25519PublicKey(key));
}
