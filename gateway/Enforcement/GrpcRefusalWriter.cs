using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.Enforcement;

/// <summary>
/// A refusal as a gRPC client reads it. gRPC clients ignore an HTTP status other than 200 and a problem JSON body
/// (they report "Bad gRPC response" or an HTTP-derived status without the reason), so a refusal of a request whose
/// <c>content-type</c> is <c>application/grpc</c> (or <c>application/grpc+proto</c>, <c>application/grpc;...</c>) is
/// answered as Envoy answers its own refusals of gRPC calls: HTTP 200, <c>content-type: application/grpc</c> and a
/// <em>trailers-only</em> response (no body; on HTTP/2 one HEADERS frame ending the stream) carrying
/// <c>grpc-status</c> and <c>grpc-message</c> (percent-encoded as the gRPC HTTP/2 protocol requires). The other
/// headers of the refusal (<c>WWW-Authenticate</c>, <c>Retry-After</c>, <c>Cache-Control</c>) are kept.
/// HTTP status → gRPC status (see <see cref="StatusFor"/>): 401 → UNAUTHENTICATED (16), 403 → PERMISSION_DENIED (7),
/// 503 → UNAVAILABLE (14), 400 → INVALID_ARGUMENT (3), 405 → UNIMPLEMENTED (12), anything else → UNKNOWN (2).
/// gRPC-Web (<c>application/grpc-web*</c>) is not matched: it keeps the problem JSON, from which gRPC-Web clients
/// derive the status from the HTTP code.
/// </summary>
internal static class GrpcRefusalWriter
{
    public const string ContentType = "application/grpc";

    public const string StatusHeader = "grpc-status";

    public const string MessageHeader = "grpc-message";

    /// <summary>Whether the request is a gRPC call (its content type is <c>application/grpc</c>, alone or with a <c>+</c> or <c>;</c> suffix).</summary>
    public static bool IsGrpcRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IsGrpcContentType(request.ContentType);
    }

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    /// <summary>
    /// The gRPC status of a refusal's HTTP status. 401, 403 and 503 follow gRPC's own HTTP-to-gRPC mapping and Envoy.
    /// A 400 here is the gateway refusing the call itself (an ambiguous path, two tokens, ambiguous framing): the
    /// caller sent something invalid, which retrying will not fix, so INVALID_ARGUMENT rather than the INTERNAL of
    /// gRPC's mapping (meant for a broken HTTP exchange). A 405 (a method the gateway never forwards) is UNIMPLEMENTED.
    /// A 429 (a rate limit) is RESOURCE_EXHAUSTED, what gRPC servers answer for quotas (gRPC's mapping of an HTTP 429
    /// from an intermediary would be UNAVAILABLE, which clients retry at once); the RateLimit fields stay as headers.
    /// </summary>
    public static int StatusFor(int httpStatus) => httpStatus switch
    {
        StatusCodes.Status400BadRequest => 3, // INVALID_ARGUMENT
        StatusCodes.Status401Unauthorized => 16, // UNAUTHENTICATED
        StatusCodes.Status403Forbidden => 7, // PERMISSION_DENIED
        StatusCodes.Status405MethodNotAllowed => 12, // UNIMPLEMENTED
        StatusCodes.Status429TooManyRequests => 8, // RESOURCE_EXHAUSTED
        StatusCodes.Status503ServiceUnavailable => 14, // UNAVAILABLE
        _ => 2, // UNKNOWN
    };

    /// <summary>Writes the trailers-only answer; headers the caller set before (challenge, Retry-After) stay.</summary>
    public static Task WriteAsync(HttpContext context, int httpStatus, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers[StatusHeader] = StatusFor(httpStatus).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[MessageHeader] = PercentEncode(message);

        // Completed here, not left for the server to end: the headers go out alone (HTTP/2: one HEADERS frame with
        // END_STREAM), and the response has started. That matters inside YARP's forwarder (DestinationFence), which
        // treats a transform as having answered only when the status is not 200 or the response has started: a
        // 200 left unstarted was forwarded to the downstream.
        return response.CompleteAsync();
    }

    /// <summary>
    /// gRPC's <c>grpc-message</c> encoding: the UTF-8 bytes, each byte outside printable ASCII (0x20-0x7E) and
    /// <c>%</c> itself written as <c>%XX</c> (upper-case hex).
    /// </summary>
    public static string PercentEncode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
