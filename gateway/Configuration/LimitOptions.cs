namespace Gateway.Configuration;

/// <summary>
/// Limits on what the gateway accepts: token sizes (checked per request, hot-reloadable) and the
/// Kestrel server limits (applied when the server starts; a change needs a restart).
/// </summary>
internal sealed record LimitOptions
{
    /// <summary>Longest token accepted, in characters; longer ones get 401 before any parsing. Default 8192.</summary>
    public int MaxTokenLength { get; init; } = 8192;

    /// <summary>Largest decoded JOSE header, in bytes. Default 1024.</summary>
    public int MaxTokenHeaderBytes { get; init; } = 1024;

    /// <summary>Largest decoded payload, in bytes. Default 6144 (what fits in the default token length).</summary>
    public int MaxTokenPayloadBytes { get; init; } = 6144;

    /// <summary>Deepest nesting of objects and arrays in the header or payload (the root object is level 1). Default 16.</summary>
    public int MaxClaimDepth { get; init; } = 16;

    /// <summary>
    /// Path segments with parameters (<c>;x</c>, also <c>%3B</c>), a trailing dot, or leading/trailing whitespace:
    /// <see cref="PathNormalization.Reject"/> (400, the default) or <see cref="PathNormalization.Normalize"/> them before routing.
    /// </summary>
    public PathNormalization PathNormalization { get; init; } = PathNormalization.Reject;

    /// <summary>Kestrel: total size of the request headers, in bytes; beyond it, 431. Default 32768.</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 32 * 1024;

    /// <summary>Kestrel: number of request headers; beyond it, 431. Default 100.</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary>Kestrel: length of the request line (method, target, version), in bytes; beyond it, 414. Default 8192.</summary>
    public int MaxRequestLineSize { get; init; } = 8 * 1024;

    /// <summary>Kestrel: largest request body, in bytes; beyond it, 413. Default 30000000 (Kestrel's).</summary>
    public long MaxRequestBodySize { get; init; } = 30_000_000;

    /// <summary>Kestrel: time a client has to send all request headers. Default 15 seconds.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Kestrel: how long an idle keep-alive connection is kept. Default 2 minutes.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Kestrel: slowest accepted request body upload, in bytes per second, after a 5 second grace period. Default 240; 0 turns it off.</summary>
    public double MinRequestBodyDataRate { get; init; } = 240;

    /// <summary>Kestrel: most open connections at once (further ones are closed at once). Default 10000.</summary>
    public long MaxConcurrentConnections { get; init; } = 10_000;
}
