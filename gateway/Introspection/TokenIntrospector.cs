using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Configuration;
using Gateway.Observability;
using Gateway.Tokens;
using Microsoft.Extensions.Logging;

namespace Gateway.Introspection;

/// <summary>
/// Validates a token by asking its authorization server (RFC 7662), one configuration's introspecting issuer.
/// The path: syntax (an RFC 6750 b64token, or the token is never sent) → memory cache → single flight per token
/// (concurrent requests for one token wait for one lookup) → Redis (verified) → the introspection endpoint →
/// <see cref="IntrospectionVerdict"/> → both caches. A lookup that cannot get an answer is
/// <see cref="TokenStatus.IntrospectionUnavailable"/> (503), never a 200 nor a 401, and a request waits at most
/// the Redis read plus <c>Timeout</c>.
/// </summary>
internal sealed partial class TokenIntrospector
{
    private static readonly SearchValues<char> B64TokenChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=");
    private static readonly TimeSpan SharedReadBudget = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<TokenHash, Task<TokenValidationOutcome>> _flights = new();
    private readonly IntrospectionClient _client;
    private readonly ISharedIntrospectionCache _shared;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Gateway.Observability.GatewayMetrics _metrics;

    public TokenIntrospector(IntrospectionSettings settings, IntrospectionClient client, ISharedIntrospectionCache shared, TimeProvider time, ILogger<TokenIntrospector> logger, Gateway.Observability.GatewayMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _client = client;
        _shared = shared;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? Gateway.Observability.GatewayMetrics.Unscoped;
        Cache = new IntrospectionCache(settings.MaxCacheEntries, time);
    }

    public IntrospectionSettings Settings { get; }

    public string IssuerName => Settings.IssuerName;

    /// <summary>Which tokens go to the authorization server.</summary>
    public IntrospectedTokens Tokens => Settings.Tokens;

    /// <summary>This replica's memory of verdicts.</summary>
    public IntrospectionCache Cache { get; }

    public ValueTask<TokenValidationOutcome> IntrospectAsync(ReadOnlyMemory<char> token, CancellationToken cancellationToken)
    {
        var span = token.Span;
        if (!IsB64Token(span) || !TokenHash.TryCompute(span, out var hash))
        {
            return new(TokenValidationOutcome.Failure(TokenStatus.Malformed, IssuerName));
        }

        if (Cache.TryGet(hash, out var cached))
        {
            CacheLookup("memory", "hit");
            return new(cached);
        }

        CacheLookup("memory", "miss");
        return JoinFlightAsync(token, hash, cancellationToken);
    }

    // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
    internal static bool IsB64Token(ReadOnlySpan<char> token)
    {
        if (token.Length == 0 || token[0] == '=' || token.ContainsAnyExcept(B64TokenChars))
        {
            return false;
        }

        var padding = token.IndexOf('=');
        return padding < 0 || !token[padding..].ContainsAnyExcept('=');
    }

    private async ValueTask<TokenValidationOutcome> JoinFlightAsync(ReadOnlyMemory<char> token, TokenHash hash, CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<TokenValidationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flight = _flights.GetOrAdd(hash, mine.Task);
        if (ReferenceEquals(flight, mine.Task))
        {
            // The lookup belongs to no request: one client giving up does not fail the others waiting for it.
            _ = FlyAsync(token.ToString(), hash, mine);
        }

        try
        {
            // The flight is bounded by itself; this bound only guards against a flight that never ends.
            return await flight.WaitAsync(SharedReadBudget + Settings.Timeout + Settings.Timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return TokenValidationOutcome.Failure(TokenStatus.IntrospectionUnavailable, IssuerName);
        }
    }

    private async Task FlyAsync(string token, TokenHash hash, TaskCompletionSource<TokenValidationOutcome> flight)
    {
        var outcome = TokenValidationOutcome.Failure(TokenStatus.IntrospectionUnavailable, IssuerName);
        try
        {
            outcome = await LookUpAsync(token, hash).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a lookup that fails in an unforeseen way is an answer nobody could give: 503, logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Failed(_logger, IssuerName, ex.GetType().Name, null);
        }
        finally
        {
            // Cached (when it is an answer) before the flight ends: a request arriving now finds the cache.
            _flights.TryRemove(new KeyValuePair<TokenHash, Task<TokenValidationOutcome>>(hash, flight.Task));
            flight.TrySetResult(outcome);
        }
    }

    private async Task<TokenValidationOutcome> LookUpAsync(string token, TokenHash hash)
    {
        var hex = hash.ToHex();
        using (var sharedRead = new CancellationTokenSource(SharedReadBudget, _time))
        {
            if (await _shared.GetAsync(IssuerName, Settings.ExpectedIssuer, hex, sharedRead.Token).ConfigureAwait(false) is { } entry)
            {
                var now = _time.GetUtcNow();
                if (entry.Until > now && IntrospectionAnswer.TryRead(entry.AnswerJson) is { } sharedAnswer)
                {
                    CacheLookup("redis", "hit");
                    var (shared, until) = IntrospectionVerdict.Judge(sharedAnswer, Settings, now);
                    Cache.Add(hash, shared, until < entry.Until ? until : entry.Until);
                    return shared;
                }
            }
        }

        CacheLookup("redis", "miss");
        var started = Stopwatch.GetTimestamp();
        IntrospectionCallResult result;
        using (var call = new CancellationTokenSource(Settings.Timeout, _time))
        {
            result = await _client.IntrospectAsync(token, call.Token).ConfigureAwait(false);
        }

        var tags = new TagList { { GatewayDiagnostics.Tags.Issuer, IssuerName }, { GatewayDiagnostics.Tags.Outcome, result.Outcome } };
        _metrics.IntrospectionCalls.Add(1, tags);
        _metrics.IntrospectionDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        if (result.Answer is not { } answer)
        {
            LogFailure(result);
            return TokenValidationOutcome.Failure(TokenStatus.IntrospectionUnavailable, IssuerName);
        }

        var (outcome, cacheUntil) = IntrospectionVerdict.Judge(answer, Settings, _time.GetUtcNow());
        Cache.Add(hash, outcome, cacheUntil);
        _ = _shared.SetAsync(IssuerName, Settings.ExpectedIssuer, hex, new SharedIntrospectionEntry(answer.Json, cacheUntil), CancellationToken.None);
        return outcome;
    }

    private void LogFailure(IntrospectionCallResult result)
    {
        switch (result.Outcome)
        {
            case IntrospectionCallResult.ClientRefused:
                Log.ClientRefused(_logger, IssuerName, result.HttpStatus ?? 0, Settings.ClientId);
                break;
            case IntrospectionCallResult.NoEndpoint:
                Log.EndpointUnknown(_logger, IssuerName, Settings.DiscoveryAddress ?? "");
                break;
            default:
                Log.Failed(_logger, IssuerName, result.Outcome, result.HttpStatus);
                break;
        }
    }

    private void CacheLookup(string level, string result) =>
        _metrics.IntrospectionCacheLookups.Add(1, new(GatewayDiagnostics.Tags.CacheLevel, level), new(GatewayDiagnostics.Tags.CacheResult, result));

    private static partial class Log
    {
        [LoggerMessage(EventIds.IntrospectionFailed, LogLevel.Warning, "Token introspection for issuer {Issuer} failed: {Outcome} (HTTP status {HttpStatus}). Requests with tokens not yet cached are answered 503.")]
        public static partial void Failed(ILogger logger, string issuer, string outcome, int? httpStatus);

        [LoggerMessage(EventIds.IntrospectionClientRefused, LogLevel.Error, "The authorization server refused the gateway's client credentials for introspection (issuer {Issuer}, HTTP {HttpStatus}, client id {ClientId}): check Introspection:ClientId, the client secret and ClientAuthentication. Requests with tokens not yet cached are answered 503.")]
        public static partial void ClientRefused(ILogger logger, string issuer, int httpStatus, string clientId);

        [LoggerMessage(EventIds.IntrospectionEndpointUnknown, LogLevel.Warning, "No introspection endpoint for issuer {Issuer}: the discovery document {DiscoveryAddress} could not be read, names another issuer or no usable introspection_endpoint. Requests with tokens not yet cached are answered 503.")]
        public static partial void EndpointUnknown(ILogger logger, string issuer, string discoveryAddress);
    }
}
