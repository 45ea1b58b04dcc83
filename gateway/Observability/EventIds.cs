namespace Gateway.Observability;

/// <summary>Every event id the gateway logs, in one table so ids never collide.</summary>
/// <remarks>
/// Listed in docs/operations.md. Ids no message uses any more are deleted here but never given to another message
/// (log queries and alerts may still name them): 1001, 2006, 3003, 4000, 5002, 5003.
/// </remarks>
internal static class EventIds
{
    public const int ConfigurationLoaded = 1000;
    public const int ConfigurationReloadFailed = 1002;

    public const int KeysLoaded = 2000;
    public const int KeyLoadFailed = 2001;
    public const int UnknownKidRefresh = 2002;
    public const int SharedCacheUnavailable = 2003;
    public const int SharedCacheEntryRejected = 2004;
    public const int PeerFetchPending = 2005;
    public const int PeerFetchMissing = 2007;
    public const int SharedCacheCommandRefused = 2008;

    public const int IntrospectionFailed = 2100;
    public const int IntrospectionClientRefused = 2101;
    public const int IntrospectionEndpointUnknown = 2102;
    public const int IntrospectionCacheEntryRejected = 2103;
    public const int IntrospectionCacheUnavailable = 2104;

    public const int TokenRejected = 3000;
    public const int PolicyDenied = 3001;
    public const int RoutePlanMissing = 3002;
    public const int RequestRefused = 3004;
    public const int ConfigurationMismatch = 3009;
    public const int CorsPreflightRefused = 3040;
    public const int ShadowPolicyDisagreed = 3050;
    public const int ShadowPolicyAgreed = 3051;
    public const int DashboardRefused = 3052;
    public const int DecisionExplained = 3053;

    public const int RevocationChanged = 3100;
    public const int RevocationStoreUnavailable = 3101;
    public const int RevocationEntryIgnored = 3102;
    public const int RevocationsSynchronised = 3103;
    public const int RevocationEndpointRefused = 3104;
    public const int RevocationsRepaired = 3105;

    public const int RateLimited = 3200;
    public const int RateLimitLocalFallback = 3201;
    public const int RateLimitFleetWide = 3202;
    public const int RateLimitRedisFailed = 3203;

    public const int BindingRejected = 3300;
    public const int DpopReplayStoreDegraded = 3301;
    public const int DpopReplayStoreRecovered = 3302;

    public const int DemoDownstreamStarted = 4001;

    public const int AccessLog = 5000;
    public const int ShutdownDraining = 5001;
    public const int ShutdownTimeoutIgnored = 5004;
}
