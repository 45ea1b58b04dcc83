using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

/// <summary>Builds an issuer's <see cref="IKeySource"/>: the origin alone, or the fleet protocol in front of it.</summary>
internal static class KeySources
{
    /// <summary>
    /// The fleet protocol exists only with a real shared store: <see cref="MemoryOnlyKeyStore.Instance"/> (no Redis, or a
    /// local or development source, which each replica reads itself) means loads go straight to the origin.
    /// </summary>
    public static IKeySource Create(IKeyDocumentFetcher fetcher, ISharedKeyStore shared, TimeProvider time, ILogger logger, Observability.GatewayMetrics? metrics = null)
    {
        var origin = new OriginKeySource(fetcher, time, metrics);
        return ReferenceEquals(shared, MemoryOnlyKeyStore.Instance) ? origin : new FleetKeySource(origin, shared, time, logger);
    }
}
