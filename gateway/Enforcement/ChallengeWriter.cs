using System.Diagnostics;
using System.Text.Json;
using Gateway.Enforcement.Refusals;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Enforcement;

/// <summary>
/// The one place that turns a <see cref="Refusal"/> into an HTTP answer: RFC 6750 <c>WWW-Authenticate</c>
/// challenges and an RFC 9457 <c>application/problem+json</c> body with a trace id. What each refusal says is
/// decided by <see cref="RefusalTable"/>; this only renders it. A gRPC call gets the same refusal as a gRPC status
/// instead of the JSON body (<see cref="GrpcRefusalWriter"/>).
/// </summary>
internal static class ChallengeWriter
{
    public const string ProblemContentType = "application/problem+json";

    /// <summary>Answers <paramref name="refusal"/>: its headers, then the one write below.</summary>
    public static Task WriteAsync(HttpContext context, Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var headers = context.Response.Headers;
        if (refusal.RetryAfter is not null)
        {
            headers.RetryAfter = refusal.RetryAfter;
        }

        if (refusal.Allow is not null)
        {
            headers.Allow = refusal.Allow;
        }

        if (refusal.RateLimitHeaders is { } rateLimit)
        {
            headers[RateLimiting.RateLimitHeaders.RateLimitPolicy] = rateLimit.Policy;
            headers[RateLimiting.RateLimitHeaders.RateLimit] = rateLimit.Current;
        }

        if (refusal.DpopNonce is not null)
        {
            headers[SenderConstraints.SenderConstraintEnforcer.NonceHeader] = refusal.DpopNonce;
        }

        if (refusal.CloseConnection)
        {
            headers.Connection = "close";
        }

        return WriteAsync(context, refusal.StatusCode, refusal.Challenge, refusal.Title, refusal.Detail, refusal.ExplainInAnswer ? refusal.FailedRequirement : null);
    }

    // The single choke point every answer of the gateway passes through: other answer formats (CORS headers,
    // gRPC status) hook in here, and nowhere else.
    private static async Task WriteAsync(HttpContext context, int statusCode, string? challenge, string title, string detail, Policies.RequirementResult? failed)
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
        var traceId = RefusalResponder.TraceId(context);
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("type", $"https://httpstatuses.io/{statusCode}");
        writer.WriteString("title", title);
        writer.WriteNumber("status", statusCode);
        writer.WriteString("detail", detail);
        writer.WriteString("traceId", traceId);
        if (failed is not null)
        {
            // Gateway:Diagnostics:ExplainDenials (Development only): where the policy failed, never what the token holds.
            writer.WriteString("failedRequirement", failed.Path);
            writer.WriteString("requirement", failed.Description);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
