using System.Diagnostics;
using System.Text.Json;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Enforcement;

/// <summary>
/// The one place that turns a refusal into an HTTP answer: RFC 6750 <c>WWW-Authenticate</c>
/// challenges and an RFC 9457 <c>application/problem+json</c> body with a trace id. Descriptions are
/// fixed strings: nothing from the request (least of all the token) is echoed. A gRPC call gets the same refusal
/// as a gRPC status instead of the JSON body (<see cref="GrpcRefusalWriter"/>).
/// </summary>
public static class ChallengeWriter
{
    public const string ProblemContentType = "application/problem+json";

    public static Task WriteUnauthorizedAsync(HttpContext context, TokenStatus status)
    {
        ArgumentNullException.ThrowIfNull(context);
        return status switch
        {
            TokenStatus.Missing => WriteAsync(context, StatusCodes.Status401Unauthorized, "Bearer", "Unauthorized", "A bearer token is required."),
            TokenStatus.Ambiguous => WriteAsync(context, StatusCodes.Status400BadRequest, "Bearer error=\"invalid_request\", error_description=\"more than one token in the request\"", "Bad Request", "The request carries more than one token."),
            TokenStatus.KeysUnavailable => WriteUnavailableAsync(context),
            TokenStatus.KeyRefreshFailed => WriteUnavailableAsync(context, "The token's signing key could not be checked: the issuer's keys could not be refreshed; retry later."),
            _ => WriteAsync(context, StatusCodes.Status401Unauthorized, $"Bearer error=\"invalid_token\", error_description=\"{Describe(status)}\"", "Unauthorized", $"The token is not valid: {Describe(status)}."),
        };
    }

    public static Task WriteIssuerNotAcceptedAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "Bearer error=\"invalid_token\", error_description=\"the token issuer is not accepted for this route\"", "Unauthorized", "The token is not valid: the token issuer is not accepted for this route.");

    public static Task WriteForbiddenAsync(HttpContext context, string? scopeHint)
    {
        var challenge = scopeHint is null
            ? "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant access to this resource\""
            : $"Bearer error=\"insufficient_scope\", error_description=\"the token does not grant access to this resource\", scope=\"{scopeHint}\"";
        return WriteAsync(context, StatusCodes.Status403Forbidden, challenge, "Forbidden", "The token does not grant access to this resource.");
    }

    /// <summary>A request refused before any policy (ambiguous path or framing): 400, no challenge, a fixed reason.</summary>
    public static Task WriteBadRequestAsync(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.Connection = "close";
        return WriteAsync(context, StatusCodes.Status400BadRequest, null, "Bad Request", $"The request was refused: {reason}.");
    }

    /// <summary>A method the gateway never forwards (CONNECT, TRACE): 405 with the methods it does forward in <c>Allow</c>.</summary>
    public static Task WriteMethodNotAllowedAsync(HttpContext context, string reason, string allow)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.Allow = allow;
        context.Response.Headers.Connection = "close";
        return WriteAsync(context, StatusCodes.Status405MethodNotAllowed, null, "Method Not Allowed", $"The request was refused: {reason}.");
    }

    public static Task WriteMisconfiguredRouteAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status503ServiceUnavailable, null, "Service Unavailable", "The route has no active policy; the request was not forwarded.");

    /// <summary>The request met a configuration reload half-way (route, cluster or destination of another configuration): retry at once.</summary>
    public static Task WriteConfigurationChangingAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = "1";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, null, "Service Unavailable", "The gateway configuration is being reloaded; the request was not forwarded. Retry it.");
    }

    private static Task WriteUnavailableAsync(HttpContext context, string detail = "The issuer's signing keys are not available yet; retry later.")
    {
        context.Response.Headers.RetryAfter = "5";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, null, "Service Unavailable", detail);
    }

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
        _ => "the token is invalid",
    };

    private static async Task WriteAsync(HttpContext context, int statusCode, string? challenge, string title, string detail)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        if (challenge is not null)
        {
            response.Headers.WWWAuthenticate = challenge;
        }

        response.Headers.CacheControl = "no-store";
        if (GrpcRefusalWriter.IsGrpcRequest(context.Request))
        {
            await GrpcRefusalWriter.WriteAsync(context, statusCode, detail).ConfigureAwait(false); // a gRPC client reads grpc-status, not JSON
            return;
        }

        response.ContentType = ProblemContentType;
        var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", $"https://httpstatuses.io/{statusCode}");
        writer.WriteString("title", title);
        writer.WriteNumber("status", statusCode);
        writer.WriteString("detail", detail);
        writer.WriteString("traceId", traceId);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
