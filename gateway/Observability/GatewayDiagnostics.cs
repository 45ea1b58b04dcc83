namespace Gateway.Observability;

/// <summary>Names of the gateway's telemetry sources, public so hosts can subscribe to them.</summary>
internal static class GatewayDiagnostics
{
    public const string ActivitySourceName = "JwtGateway";
    public const string MeterName = "JwtGateway";

    /// <summary>Logger category of the access log (one line per request on a proxied route).</summary>
    public const string AccessLogCategory = "JwtGateway.AccessLog";

    /// <summary>Span names of the gateway's activity source.</summary>
    internal static class Spans
    {
        public const string TokenValidation = "jwtgw.token.validate";
        public const string PolicyDecision = "jwtgw.policy.evaluate";
        public const string KeyLoad = "jwtgw.keys.load";
    }

    /// <summary>Instrument names of the gateway's meter.</summary>
    internal static class Metrics
    {
        public const string Requests = "jwtgw.requests";
        public const string RequestDuration = "jwtgw.request.duration";
        public const string RequestsRefused = "jwtgw.requests.refused";
        public const string ValidationFailures = "jwtgw.token.validation.failures";
        public const string KeyCacheLookups = "jwtgw.keys.cache.lookups";
        public const string TokenCacheLookups = "jwtgw.token_cache.lookups";
        public const string IdpFetches = "jwtgw.keys.idp.fetches";
        public const string IdpFetchDuration = "jwtgw.keys.idp.fetch.duration";
        public const string LocalKeyReads = "jwtgw.keys.local.reads";
        public const string KeyAge = "jwtgw.keys.age";
        public const string KeysLoaded = "jwtgw.keys.loaded";
        public const string RedisAvailable = "jwtgw.redis.available";
        public const string RedisRejectedEntries = "jwtgw.redis.rejected_entries";
        public const string RedisRefusedCommands = "jwtgw.redis.refused_commands";
        public const string ForwarderErrors = "jwtgw.proxy.errors";
        public const string IntrospectionCalls = "jwtgw.introspection.calls";
        public const string IntrospectionDuration = "jwtgw.introspection.duration";
        public const string IntrospectionCacheLookups = "jwtgw.introspection.cache.lookups";
        public const string Draining = "jwtgw.draining";
        public const string CorsPreflights = "jwtgw.cors.preflights";
        public const string Revocations = "jwtgw.revocations";
        public const string RevocationsInSync = "jwtgw.revocations.in_sync";
        public const string RateLimitDecisions = "jwtgw.ratelimit.decisions";
        public const string ShadowDecisions = "jwtgw.shadow.decisions";
        public const string BindingChecks = "jwtgw.binding.checks";
        public const string DpopReplayFallbacks = "jwtgw.dpop.replay.fallbacks";
    }

    /// <summary>Attribute (tag) names used on spans and metric points.</summary>
    internal static class Tags
    {
        public const string Route = "jwtgw.route";
        public const string Policy = "jwtgw.policy";
        public const string Decision = "jwtgw.decision";
        public const string Reason = "jwtgw.reason";
        public const string Issuer = "jwtgw.issuer";
        public const string Kid = "jwtgw.token.kid";
        public const string Algorithm = "jwtgw.token.alg";
        public const string Outcome = "jwtgw.outcome";
        public const string CacheLevel = "jwtgw.cache.level";
        public const string CacheResult = "jwtgw.cache.result";
        public const string KeySource = "jwtgw.keys.source";
        public const string LoadReason = "jwtgw.keys.load_reason";
        public const string ForwarderError = "jwtgw.proxy.error";
        public const string Subject = "enduser.id";
        public const string CorsPolicy = "jwtgw.cors.policy";
        public const string RateLimitPolicy = "jwtgw.ratelimit.policy";
        public const string RateLimitStore = "jwtgw.ratelimit.store";
        public const string ShadowDecision = "jwtgw.shadow.decision";
        public const string EnforcedDecision = "jwtgw.enforced.decision";

        /// <summary>The sender constraint checked on a request: <c>dpop</c>, <c>mtls</c>, <c>dpop+mtls</c> or <c>none</c>.</summary>
        public const string Binding = "jwtgw.binding";
    }
}
