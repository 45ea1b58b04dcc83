using Gateway.Observability;
using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

internal sealed partial class FleetKeySource
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.PeerFetchPending, LogLevel.Debug, "Another replica holds the {Purpose} fetch lease for issuer {Issuer}; serving current keys until its result arrives.")]
        public static partial void PeerFetchPending(ILogger logger, string issuer, string purpose);

        [LoggerMessage(EventIds.PeerFetchMissing, LogLevel.Information, "The replica holding the {Purpose} fetch lease for issuer {Issuer} failed or did not publish within its budget; loading the keys itself.")]
        public static partial void PeerFetchMissing(ILogger logger, string issuer, string purpose);
    }
}
