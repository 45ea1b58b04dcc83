using Gateway.Observability;
using Gateway.Policies;
using Gateway.RateLimiting;
using Gateway.SenderConstraints;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Enforcement.Refusals;

/// <summary>
/// The one mapping from why a request is refused (a <see cref="TokenStatus"/>, a <see cref="PolicyDecision"/>, a
/// request-guard rule, a route-binding failure) to the decision, reason, status code, challenge and problem text
/// that record and answer it (Envoy's status → response table). The refusals that do not depend on the request are
/// built once.
/// </summary>
internal static class RefusalTable
{
    private const string Unauthorized = "Unauthorized";
    private const string BadRequest = "Bad Request";
    private const string Unavailable = "Service Unavailable";
    private const string InsufficientScope = "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant access to this resource\"";

    private static readonly Refusal[] TokenRefusals = Enum.GetValues<TokenStatus>().Select(BuildToken).ToArray();

    private static readonly Refusal IssuerNotAccepted = new()
    {
        Cause = RefusalCause.Policy,
        PolicyDecision = PolicyDecision.IssuerNotAccepted,
        Decision = RequestDecision.Unauthorized,
        Reason = GatewayTelemetry.Reasons.IssuerNotAccepted,
        StatusCode = StatusCodes.Status401Unauthorized,
        Challenge = "Bearer error=\"invalid_token\", error_description=\"the token issuer is not accepted for this route\"",
        Title = Unauthorized,
        Detail = "The token is not valid: the token issuer is not accepted for this route.",
    };

    private static readonly Refusal Forbidden = new()
    {
        Cause = RefusalCause.Policy,
        PolicyDecision = PolicyDecision.Forbidden,
        Decision = RequestDecision.Forbidden,
        Reason = GatewayTelemetry.Reasons.PolicyNotSatisfied,
        StatusCode = StatusCodes.Status403Forbidden,
        Challenge = InsufficientScope,
        Title = "Forbidden",
        Detail = "The token does not grant access to this resource.",
    };

    /// <summary>The matched route has no compiled plan: 503, not forwarded.</summary>
    public static Refusal RouteNotConfigured { get; } = new()
    {
        Cause = RefusalCause.RouteNotConfigured,
        Decision = RequestDecision.Unavailable,
        Reason = GatewayTelemetry.Reasons.RouteNotConfigured,
        StatusCode = StatusCodes.Status503ServiceUnavailable,
        Title = Unavailable,
        Detail = "The route has no active policy; the request was not forwarded.",
    };

    /// <summary>The request met a configuration reload half-way (route or cluster of another configuration): 503, retry at once.</summary>
    public static Refusal ConfigurationChanged { get; } = new()
    {
        Cause = RefusalCause.ConfigurationChanged,
        Decision = RequestDecision.Unavailable,
        Reason = GatewayTelemetry.Reasons.ConfigurationChanged,
        StatusCode = StatusCodes.Status503ServiceUnavailable,
        Title = Unavailable,
        Detail = "The gateway configuration is being reloaded; the request was not forwarded. Retry it.",
        RetryAfter = "1",
    };

    /// <summary>The destination YARP was about to use belongs to another configuration: answered like <see cref="ConfigurationChanged"/>.</summary>
    public static Refusal DestinationChanged { get; } = ConfigurationChanged with { Cause = RefusalCause.DestinationChanged };

    private static readonly Refusal RateLimitedRefusal = new()
    {
        Cause = RefusalCause.RateLimit,
        Decision = RequestDecision.RateLimited,
        Reason = GatewayTelemetry.Reasons.RateLimited,
        StatusCode = StatusCodes.Status429TooManyRequests,
        Title = "Too Many Requests",
        Detail = "The rate limit of this route is used up for this caller; the request was not forwarded. Retry after the time in Retry-After.",
    };

    /// <summary>
    /// The route's rate limit (<paramref name="policy"/>) refused the request: 429 with <c>Retry-After</c> and the
    /// <c>RateLimit</c>/<c>RateLimit-Policy</c> fields of <paramref name="decision"/>.
    /// </summary>
    public static Refusal RateLimited(RateLimitPolicy policy, RateLimitDecision decision, string? issuer)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return RateLimitedRefusal with
        {
            RateLimitPolicy = policy.Name,
            Issuer = issuer,
            RetryAfter = Math.Max(1, RateLimitHeaders.Seconds(decision.Reset)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            RateLimitHeaders = (policy.PolicyHeader, RateLimitHeaders.Current(policy, decision)),
        };
    }

    private static readonly Dictionary<string, Refusal> GuardRefusals = new Refusal[]
    {
        Guard(RequestGuard.AmbiguousPath, "ambiguous_path"),
        Guard(RequestGuard.PathParameters, "path_parameters"),
        Guard(RequestGuard.LooseSegment, "loose_segment"),
        Guard(RequestGuard.InvalidHost, "invalid_host"),
        Guard(RequestGuard.AmbiguousFraming, "ambiguous_framing"),
        Guard(RequestGuard.InvalidContentLength, "invalid_content_length"),
        Guard(RequestGuard.MethodNotForwarded, "method_not_forwarded") with
        {
            StatusCode = StatusCodes.Status405MethodNotAllowed,
            Title = "Method Not Allowed",
            Allow = RequestGuard.AllowedMethods,
        },
    }.ToDictionary(r => r.GuardRule!, StringComparer.Ordinal);

    /// <summary>A token refusal (missing, ambiguous, invalid, or keys unavailable), with the issuer when the token was matched to one.</summary>
    public static Refusal For(TokenStatus status, string? issuer = null)
    {
        var refusal = (uint)status < (uint)TokenRefusals.Length ? TokenRefusals[(int)status] : TokenRefusals[(int)TokenStatus.Invalid];
        return issuer is null ? refusal : refusal with { Issuer = issuer };
    }

    /// <summary>A policy refusal of a valid token from <paramref name="issuer"/>; <paramref name="scopeHint"/> is announced in a 403's challenge (RFC 6750 §3).</summary>
    public static Refusal For(PolicyDecision decision, string issuer, string? scopeHint)
    {
        if (decision == PolicyDecision.IssuerNotAccepted)
        {
            return IssuerNotAccepted with { Issuer = issuer };
        }

        return scopeHint is null
            ? Forbidden with { Issuer = issuer }
            : Forbidden with { Issuer = issuer, Challenge = $"{InsufficientScope}, scope=\"{scopeHint}\"" };
    }

    private static readonly Refusal[] BindingRefusals = Enum.GetValues<BindingStatus>().Select(BuildBinding).ToArray();

    /// <summary>
    /// A sender-constraint refusal (RFC 9449 §7.1, RFC 8705 §3) of a token from <paramref name="issuer"/>, for binding
    /// <paramref name="binding"/>; DPoP challenges announce <paramref name="algs"/>, a <c>use_dpop_nonce</c> answer carries <paramref name="nonce"/>.
    /// </summary>
    public static Refusal For(BindingStatus status, string? issuer, string? binding, string algs, string? nonce = null)
    {
        var refusal = (uint)status < (uint)BindingRefusals.Length ? BindingRefusals[(int)status] : BindingRefusals[(int)BindingStatus.DpopProofMalformed];
        var challenge = refusal.Challenge is { } template ? template.Replace("{algs}", algs, StringComparison.Ordinal) : null;
        return refusal with { Issuer = issuer, Binding = binding, Challenge = challenge, DpopNonce = nonce };
    }

    /// <summary>
    /// A token refusal on a route that accepts DPoP: the challenge also names the DPoP scheme and its algorithms
    /// (RFC 9449 §7.1), or only DPoP where it is required.
    /// </summary>
    public static Refusal WithDpopChallenge(Refusal refusal, bool dpopRequired, string algs)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (refusal.Challenge is null)
        {
            return refusal;
        }

        var dpop = $"DPoP algs=\"{algs}\"";
        return refusal with { Challenge = dpopRequired && refusal.TokenStatus == TokenStatus.Missing ? dpop : $"{refusal.Challenge}, {dpop}" };
    }

    /// <summary>A request-guard refusal for <paramref name="rule"/> (a <see cref="RequestGuard"/> constant): 400, or 405 for a method.</summary>
    public static Refusal ForGuard(string rule) =>
        GuardRefusals.TryGetValue(rule, out var refusal) ? refusal : Guard(rule, "other");

    private static Refusal Guard(string rule, string reason) => new()
    {
        Cause = RefusalCause.RequestGuard,
        GuardRule = rule,
        Decision = RequestDecision.InvalidRequest,
        Reason = reason,
        StatusCode = StatusCodes.Status400BadRequest,
        Title = BadRequest,
        Detail = $"The request was refused: {rule}.",
        CloseConnection = true,
    };

    private static Refusal BuildToken(TokenStatus status)
    {
        var refusal = new Refusal
        {
            Cause = RefusalCause.Token,
            TokenStatus = status,
            Decision = RequestDecision.Unauthorized,
            Reason = GatewayTelemetry.Reason(status),
            StatusCode = StatusCodes.Status401Unauthorized,
            Challenge = $"Bearer error=\"invalid_token\", error_description=\"{Describe(status)}\"",
            Title = Unauthorized,
            Detail = $"The token is not valid: {Describe(status)}.",
        };
        return status switch
        {
            TokenStatus.Missing => refusal with { Challenge = "Bearer", Detail = "A bearer token is required." },
            TokenStatus.Ambiguous => refusal with
            {
                Decision = RequestDecision.InvalidRequest,
                StatusCode = StatusCodes.Status400BadRequest,
                Challenge = "Bearer error=\"invalid_request\", error_description=\"more than one token in the request\"",
                Title = BadRequest,
                Detail = "The request carries more than one token.",
            },
            TokenStatus.KeysUnavailable => Unavailable503(refusal, "The issuer's signing keys are not available yet; retry later."),
            TokenStatus.KeyRefreshFailed => Unavailable503(refusal, "The token's signing key could not be checked: the issuer's keys could not be refreshed; retry later."),
            TokenStatus.IntrospectionUnavailable => Unavailable503(refusal, "The token could not be checked: the authorization server's introspection endpoint gave no usable answer; retry later."),
            _ => refusal,
        };
    }

    private static Refusal BuildBinding(BindingStatus status)
    {
        var reason = GatewayTelemetry.Reason(status);
        var description = Describe(status);
        var refusal = new Refusal
        {
            Cause = RefusalCause.SenderConstraint,
            BindingStatus = status,
            Decision = RequestDecision.Unauthorized,
            Reason = reason,
            StatusCode = StatusCodes.Status401Unauthorized,
            Challenge = $"DPoP error=\"invalid_dpop_proof\", error_description=\"{description}\", algs=\"{{algs}}\"",
            Title = Unauthorized,
            Detail = $"The DPoP proof is not valid: {description}.",
        };
        return status switch
        {
            BindingStatus.DpopNonceRequired => refusal with
            {
                Challenge = $"DPoP error=\"use_dpop_nonce\", error_description=\"{description}\", algs=\"{{algs}}\"",
                Detail = "The DPoP proof must carry the server nonce sent in DPoP-Nonce.",
            },
            BindingStatus.DpopReplayCheckUnavailable => Unavailable503(refusal, "The DPoP proof could not be checked for replay; retry with a new proof later.") with { RetryAfter = "1" },
            BindingStatus.DpopNotAccepted => refusal with
            {
                Challenge = $"Bearer error=\"invalid_token\", error_description=\"{description}\"",
                Detail = $"The token is not accepted: {description}.",
            },
            BindingStatus.DpopTokenNotBound or BindingStatus.DpopBoundTokenAsBearer or BindingStatus.DpopRequired => refusal with
            {
                Challenge = $"DPoP error=\"invalid_token\", error_description=\"{description}\", algs=\"{{algs}}\"",
                Detail = $"The token is not accepted: {description}.",
            },
            BindingStatus.CertificateHeaderInvalid => refusal with
            {
                Decision = RequestDecision.InvalidRequest,
                StatusCode = StatusCodes.Status400BadRequest,
                Challenge = null,
                Title = BadRequest,
                Detail = $"The request was refused: {description}.",
            },
            BindingStatus.UnsupportedConfirmation or BindingStatus.CertificateMissing or BindingStatus.CertificateMismatch or BindingStatus.CertificateBoundTokenRequired => refusal with
            {
                Challenge = $"Bearer error=\"invalid_token\", error_description=\"{description}\"",
                Detail = $"The token is not accepted: {description}.",
            },
            _ => refusal,
        };
    }

    /// <summary>The short <c>error_description</c> of each sender-constraint refusal: specific enough to debug, never the proof or the token.</summary>
    public static string Describe(BindingStatus status) => status switch
    {
        BindingStatus.DpopProofMissing => "a DPoP proof is required",
        BindingStatus.DpopProofMultiple => "more than one DPoP proof",
        BindingStatus.DpopProofMalformed => "the DPoP proof is malformed",
        BindingStatus.DpopProofWrongType => "the DPoP proof type is not dpop+jwt",
        BindingStatus.DpopProofAlgorithm => "the DPoP proof algorithm is not allowed",
        BindingStatus.DpopProofKeyInvalid => "the DPoP proof key is missing or unsupported",
        BindingStatus.DpopProofPrivateKey => "the DPoP proof key contains private key material",
        BindingStatus.DpopProofBadSignature => "the DPoP proof signature is invalid",
        BindingStatus.DpopProofClaimMissing => "the DPoP proof lacks a required claim",
        BindingStatus.DpopProofMethodMismatch => "the DPoP proof is for another HTTP method",
        BindingStatus.DpopProofUrlMismatch => "the DPoP proof is for another URL",
        BindingStatus.DpopProofStale => "the DPoP proof is too old",
        BindingStatus.DpopProofFuture => "the DPoP proof is issued in the future",
        BindingStatus.DpopProofTokenHashMismatch => "the DPoP proof is for another access token",
        BindingStatus.DpopProofKeyMismatch => "the DPoP proof key is not the key the token is bound to",
        BindingStatus.DpopProofReplayed => "the DPoP proof was already used",
        BindingStatus.DpopNonceRequired => "the resource server requires a nonce in the DPoP proof",
        BindingStatus.DpopReplayCheckUnavailable => "the DPoP proof could not be checked for replay",
        BindingStatus.DpopNotAccepted => "DPoP is not accepted for this token",
        BindingStatus.DpopTokenNotBound => "the token is not DPoP-bound",
        BindingStatus.DpopBoundTokenAsBearer => "the token is DPoP-bound and must be presented with the DPoP scheme and a proof",
        BindingStatus.DpopRequired => "a DPoP-bound token is required",
        BindingStatus.UnsupportedConfirmation => "the token confirmation claim is not supported",
        BindingStatus.CertificateMissing => "the token is bound to a client certificate and none was presented",
        BindingStatus.CertificateMismatch => "the token is bound to another client certificate",
        BindingStatus.CertificateBoundTokenRequired => "a certificate-bound token is required",
        BindingStatus.CertificateHeaderInvalid => "the forwarded client certificate is invalid",
        _ => "the token binding is invalid",
    };

    private static Refusal Unavailable503(Refusal refusal, string detail) => refusal with
    {
        Decision = RequestDecision.Unavailable,
        StatusCode = StatusCodes.Status503ServiceUnavailable,
        Challenge = null,
        Title = Unavailable,
        Detail = detail,
        RetryAfter = "5",
    };

    /// <summary>The short RFC 6750 <c>error_description</c> for each reason: specific enough to debug, never the token.</summary>
    public static string Describe(TokenStatus status) => status switch
    {
        TokenStatus.TooLarge => "the token is too large",
        TokenStatus.Malformed => "the token is malformed",
        TokenStatus.UnknownIssuer => "the token issuer is unknown",
        TokenStatus.DisallowedAlgorithm => "the token algorithm is not allowed",
        TokenStatus.UnknownKid => "the signing key is unknown",
        TokenStatus.BadSignature => "the token signature is invalid",
        TokenStatus.Expired => "the token is expired",
        TokenStatus.NotYetValid => "the token is not valid yet",
        TokenStatus.MissingExpiration => "the token has no expiration",
        TokenStatus.WrongAudience => "the token audience is invalid",
        TokenStatus.WrongIssuer => "the token issuer is invalid",
        TokenStatus.UnsupportedHeader => "the token header is not supported",
        TokenStatus.WrongType => "the token type is not accepted",
        TokenStatus.LifetimeTooLong => "the token lifetime is too long",
        TokenStatus.Revoked => "the token has been revoked",
        TokenStatus.Inactive => "the token is not active",
        _ => "the token is invalid",
    };
}
