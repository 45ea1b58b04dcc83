namespace Gateway.Enforcement;

/// <summary>
/// Rules for requests that a downstream could read differently from the gateway (path confusion, request
/// smuggling). Kestrel has already percent-decoded the path (except <c>%2F</c>, kept encoded) and removed
/// <c>.</c>/<c>..</c> segments, so routing, the policy and the forwarded path all see the same canonical path.
/// What is left that a downstream may still reinterpret is refused:
/// <list type="bullet">
/// <item>an encoded slash or backslash (<c>%2F</c>, <c>%5C</c>), or any percent-escape left after decoding
/// (double encoding: <c>%252e</c>): a downstream that decodes again would see another path;</item>
/// <item>a backslash: some servers treat it as a separator;</item>
/// <item>an empty segment (<c>//</c>): some servers merge slashes;</item>
/// <item>a segment that is <c>.</c> or <c>..</c> before a <c>;</c> (<c>..;</c>, path parameters): some servers strip parameters, then resolve the dots;</item>
/// <item>control characters.</item>
/// </list>
/// Framing: <c>Content-Length</c> together with <c>Transfer-Encoding</c> is refused (RFC 9112 §6.1: a classic smuggling shape),
/// and so is a <c>Content-Length</c> that is not exactly one run of digits.
/// Kestrel itself refuses conflicting <c>Content-Length</c> values and a final transfer coding other than chunked.
/// Each method returns null when the request passes, or a short fixed reason.
/// </summary>
public static class RequestGuard
{
    public const string AmbiguousPath = "the request path is ambiguous";

    public const string AmbiguousFraming = "the request has both Content-Length and Transfer-Encoding";

    public static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.Contains('%', StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal))
        {
            return AmbiguousPath;
        }

        var span = path.AsSpan();
        if (span.IndexOfAnyInRange('\u0000', '\u001f') >= 0 || span.IndexOfAnyInRange('\u007f', '\u009f') >= 0)
        {
            return AmbiguousPath;
        }

        // Kestrel removes plain "." and ".." segments, but not "..;x" (path parameters); both are refused
        // here, in case the path reached us another way. Checked without allocating: this runs on every request.
        if (span.Contains('.'))
        {
            foreach (var range in span.Split('/'))
            {
                var segment = span[range];
                var parameters = segment.IndexOf(';');
                var name = parameters < 0 ? segment : segment[..parameters];
                if (name is "." or "..")
                {
                    return AmbiguousPath;
                }
            }
        }

        return null;
    }

    public const string InvalidContentLength = "the request has an invalid Content-Length";

    /// <param name="contentLength">The raw <c>Content-Length</c> values as received (none when absent).</param>
    /// <param name="hasTransferEncoding">Whether a <c>Transfer-Encoding</c> header was received.</param>
    public static string? CheckFraming(IReadOnlyList<string?> contentLength, bool hasTransferEncoding)
    {
        ArgumentNullException.ThrowIfNull(contentLength);
        if (contentLength.Count == 0)
        {
            return null;
        }

        if (hasTransferEncoding)
        {
            return AmbiguousFraming;
        }

        // RFC 9110 §8.6: Content-Length = 1*DIGIT. Kestrel tolerates a sign ("+5"); an upstream proxy may not agree.
        return contentLength.Count == 1 && contentLength[0] is { Length: > 0 and <= 19 } value && value.All(char.IsAsciiDigit)
            ? null
            : InvalidContentLength;
    }
}
