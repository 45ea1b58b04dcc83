using Gateway.Observability;
using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

internal sealed partial class IssuerKeyManager
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.KeysLoaded, LogLevel.Information, "Loaded {KeyCount} signing key(s) for issuer {Issuer} from {Source}.")]
        public static partial void KeysLoaded(ILogger logger, string issuer, int keyCount, string source);

        [LoggerMessage(EventIds.KeyLoadFailed, LogLevel.Warning, "Could not load signing keys for issuer {Issuer} from {Address}: {ErrorType}: {Error}. Serving previous keys: {HasPreviousKeys}, usable until {UsableUntil}.")]
        public static partial void KeyLoadFailed(ILogger logger, string issuer, string address, string errorType, string error, bool hasPreviousKeys, DateTimeOffset? usableUntil);

        [LoggerMessage(EventIds.UnknownKidRefresh, LogLevel.Information, "Token for issuer {Issuer} names unknown key id {Kid}: refreshing keys.")]
        public static partial void UnknownKidRefresh(ILogger logger, string issuer, string kid);
    }
}
