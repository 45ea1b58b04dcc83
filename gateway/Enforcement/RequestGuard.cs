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
/// <item>control characters;</item>
/// <item>path parameters: a <c>;</c> anywhere in a segment (also sent as <c>%3B</c>, which Kestrel decodes). Servlet
/// containers (Tomcat, Jetty), Spring and others drop <c>;params</c> before matching, so <c>/api;x/admin/secret</c>
/// is <c>/api/admin/secret</c> downstream while the gateway routed it to a laxer route (<see cref="CheckSegments"/>);</item>
/// <item>a segment ending with a dot or with whitespace, or starting with whitespace (<c>/admin./x</c>, <c>/admin%20/x</c>):
/// Windows and IIS trim trailing dots and spaces, older Spring versions trim whitespace around segments, so the
/// downstream serves <c>/admin/x</c> (<see cref="CheckSegments"/>).</item>
/// </list>
/// The last two rules may instead be applied as a normalization before routing (<see cref="NormalizeSegments"/>,
/// <c>Gateway:Limits:PathNormalization: "Normalize"</c>): the normalized path is the one routed, judged and forwarded.
/// Host: the <c>Host</c> is compared with routes' <c>Hosts</c> exactly, while DNS and virtual-host servers read
/// <c>admin.example.com.</c> as <c>admin.example.com</c>: it is canonicalized (lower case, one trailing dot removed)
/// before routing, and a host that is not a plain name (empty label, two trailing dots, characters outside
/// letters, digits, <c>-</c>, <c>_</c>) is refused (<see cref="CheckHost"/>).
/// Methods: <c>CONNECT</c> (a tunnel, which the forwarder cannot proxy) and <c>TRACE</c>/<c>TRACK</c> (echo the
/// request, headers included, back to the client: cross-site tracing) are answered 405 (<see cref="CheckMethod"/>).
/// Framing: <c>Content-Length</c> together with <c>Transfer-Encoding</c> is refused (RFC 9112 §6.1: a classic smuggling
/// shape, CL.TE / TE.CL). Kestrel does not refuse it: it reads the body as chunked, removes <c>Content-Length</c> and
/// exposes its value as <c>X-Content-Length</c> (RFC 9112 §6.3), so the application never sees both headers. The rule
/// therefore looks at <c>Transfer-Encoding</c> beside either header (a client sending <c>X-Content-Length</c> with a
/// chunked body is refused too). A <c>Content-Length</c> that is not exactly one run of digits is refused where the
/// raw value is visible (Kestrel itself parses the value and exposes it canonical, e.g. <c>+5</c> as <c>5</c>).
/// Kestrel itself refuses conflicting <c>Content-Length</c> values and a final transfer coding other than chunked.
/// Each method returns null when the request passes, or a short fixed reason.
/// </summary>
internal static class RequestGuard
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

    public const string PathParameters = "the request path has path parameters (;)";

    public const string LooseSegment = "a request path segment ends with a dot or starts or ends with whitespace";

    /// <summary>
    /// Segment forms that common downstream servers normalize away (see the type's summary): a <c>;</c>, a trailing
    /// dot, leading or trailing whitespace. Null when none is present. Allocation-free.
    /// </summary>
    public static string? CheckSegments(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var span = path.AsSpan();
        if (span.Contains(';'))
        {
            return PathParameters;
        }

        foreach (var range in span.Split('/'))
        {
            var segment = span[range];
            if (segment.Length > 0 && (segment[^1] == '.' || char.IsWhiteSpace(segment[^1]) || char.IsWhiteSpace(segment[0])))
            {
                return LooseSegment;
            }
        }

        return null;
    }

    /// <summary>
    /// The path as a parameter-stripping, dot-trimming downstream reads it: in each segment, everything from the first
    /// <c>;</c> is dropped, then trailing dots and whitespace and leading whitespace are trimmed. The result must pass
    /// <see cref="CheckPath"/> again (a segment may become empty, <c>.</c> or <c>..</c>), which the caller checks.
    /// </summary>
    public static string NormalizeSegments(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var builder = new System.Text.StringBuilder(path.Length);
        var span = path.AsSpan();
        var first = true;
        foreach (var range in span.Split('/'))
        {
            if (!first)
            {
                builder.Append('/');
            }

            first = false;
            var segment = span[range];
            var parameters = segment.IndexOf(';');
            if (parameters >= 0)
            {
                segment = segment[..parameters];
            }

            // A segment made only of dots is left as it is (it stays refused by CheckPath): trimming would turn "..." into "".
            while (segment.Length > 0 && (char.IsWhiteSpace(segment[^1]) || (segment[^1] == '.' && segment.ContainsAnyExcept('.'))))
            {
                segment = segment[..^1];
            }

            builder.Append(segment.TrimStart());
        }

        return builder.ToString();
    }

    public const string InvalidHost = "the request host is not a valid host name";

    /// <summary>
    /// Checks the <c>Host</c> (name and optional port, as Kestrel received it). Null when it passes; then
    /// <paramref name="canonical"/> is the host to route with when it differs (upper case letters, one trailing dot),
    /// else null. An IP literal in brackets passes as is (Kestrel validated it). Allocation-free unless rewritten.
    /// </summary>
    public static string? CheckHost(string? host, out string? canonical)
    {
        canonical = null;
        if (string.IsNullOrEmpty(host) || host[0] == '[')
        {
            return null;
        }

        var span = host.AsSpan();
        var colon = span.LastIndexOf(':');
        var name = colon < 0 ? span : span[..colon];
        var trailingDot = name.Length > 1 && name[^1] == '.';
        if (trailingDot)
        {
            name = name[..^1];
        }

        // Labels: non-empty, letters, digits, '-' and '_' only (no "a..b", ".a", "a..", no "%", ";" or other sub-delims).
        if (name.Length == 0 || name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal) || name.ContainsAnyExcept(HostCharacters))
        {
            return InvalidHost;
        }

        if (trailingDot || name.ContainsAnyInRange('A', 'Z'))
        {
            canonical = string.Concat(name, colon < 0 ? [] : span[colon..]).ToLowerInvariant();
        }

        return null;
    }

    private static readonly System.Buffers.SearchValues<char> HostCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    public const string MethodNotForwarded = "the request method is not forwarded by the gateway";

    /// <summary>
    /// <c>CONNECT</c> asks for a tunnel, which the forwarder cannot proxy (it failed with 502 and an exception in the
    /// log); HTTP/2 extended CONNECT (WebSockets over HTTP/2) is a normal proxied request and passes.
    /// <c>TRACE</c> and <c>TRACK</c> echo the request back, headers included (cross-site tracing). Null when it passes.
    /// </summary>
    public static string? CheckMethod(string method, bool isExtendedConnect)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (HttpMethodIs(method, "CONNECT"))
        {
            return isExtendedConnect ? null : MethodNotForwarded;
        }

        return HttpMethodIs(method, "TRACE") || HttpMethodIs(method, "TRACK") ? MethodNotForwarded : null;
    }

    /// <summary>The methods named in the <c>Allow</c> header of a 405: those the gateway forwards (a route may restrict further).</summary>
    public const string AllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    // Methods are case-sensitive (RFC 9110 §9.1), but a downstream may not agree: "connect" is refused too.
    private static bool HttpMethodIs(string method, string name) => string.Equals(method, name, StringComparison.OrdinalIgnoreCase);

    public const string InvalidContentLength = "the request has an invalid Content-Length";

    /// <param name="contentLength">The raw <c>Content-Length</c> values as received (none when absent).</param>
    /// <param name="hasTransferEncoding">Whether a <c>Transfer-Encoding</c> header was received.</param>
    /// <param name="hasMovedContentLength">Whether the request has <c>X-Content-Length</c>, where Kestrel moves a
    /// <c>Content-Length</c> received beside <c>Transfer-Encoding</c>.</param>
    public static string? CheckFraming(IReadOnlyList<string?> contentLength, bool hasTransferEncoding, bool hasMovedContentLength = false)
    {
        ArgumentNullException.ThrowIfNull(contentLength);
        if (hasTransferEncoding && (contentLength.Count > 0 || hasMovedContentLength))
        {
            return AmbiguousFraming;
        }

        if (contentLength.Count == 0)
        {
            return null;
        }

        // RFC 9110 §8.6: Content-Length = 1*DIGIT. Kestrel tolerates a sign ("+5"); an upstream proxy may not agree.
        return contentLength.Count == 1 && contentLength[0] is { Length: > 0 and <= 19 } value && value.All(char.IsAsciiDigit)
            ? null
            : InvalidContentLength;
    }
}
