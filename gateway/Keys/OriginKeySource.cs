using Gateway.Observability;

namespace Gateway.Keys;

/// <summary>
/// Loads an issuer's keys from their origin: the identity provider (discovery + JWKS), the development issuer, or a
/// local source. Each fetch has a full <see cref="KeySourceSettings.FetchTimeout"/> of its own; a document without a
/// usable signing key is a failed load (<see cref="NoUsableSigningKeyException"/>), so it never replaces keys.
/// </summary>
internal sealed class OriginKeySource : IKeySource
{
    private readonly TimeProvider _time;

    public OriginKeySource(IKeyDocumentFetcher origin, TimeProvider time, Observability.GatewayMetrics? metrics = null)
    {
        Origin = origin;
        _time = time;
        Metrics = metrics ?? Observability.GatewayMetrics.Unscoped;
    }

    /// <summary>The host's instruments the identity provider fetches (and, through the fleet source, shared lookups) are counted in.</summary>
    public Observability.GatewayMetrics Metrics { get; }

    public IKeyDocumentFetcher Origin { get; }

    public async Task<IssuerKeySet?> LoadAsync(KeyLoadRequest request, IKeyMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var (_, keys) = await FetchAsync(memory.Settings).ConfigureAwait(false);
        return memory.Apply(keys);
    }

    public Task ReloadPublishedAsync(IKeyMemory memory) => Task.CompletedTask; // nothing is shared

    /// <summary>Fetches and parses the origin's document (not applied: the fleet publishes the document it came from).</summary>
    public async Task<(KeyDocument Document, IssuerKeySet Keys)> FetchAsync(KeySourceSettings settings)
    {
        var local = Origin as ILocalKeySource;
        using var timeout = new CancellationTokenSource(settings.FetchTimeout, _time);
        var started = _time.GetTimestamp();
        try
        {
            var document = await Origin.FetchAsync(timeout.Token).ConfigureAwait(false);
            var keys = IssuerKeySet.FromDocument(document, local?.Kind ?? KeySetSource.IdentityProvider, settings) ?? throw new NoUsableSigningKeyException();
            if (local is null)
            {
                KeyTelemetry.IdpFetched(Metrics, settings.IssuerName, success: true, _time.GetElapsedTime(started));
            }

            return (document, keys);
        }
        catch (Exception) when (local is null)
        {
            KeyTelemetry.IdpFetched(Metrics, settings.IssuerName, success: false, _time.GetElapsedTime(started));
            throw;
        }
    }
}
