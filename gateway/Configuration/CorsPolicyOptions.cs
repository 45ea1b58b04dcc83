namespace Gateway.Configuration;

/// <summary>
/// A named CORS policy (<c>Gateway:Cors:&lt;name&gt;</c>); a route uses it through YARP's <c>CorsPolicy</c> route
/// setting. The gateway answers a matching preflight itself and adds the CORS headers to every answer on the
/// route, its own refusals (401, 403, 503) included. See docs/configuration.md, "CORS".
/// </summary>
internal sealed record CorsPolicyOptions
{
    /// <summary>The methods allowed when <see cref="AllowedMethods"/> is not set: the CORS-safelisted ones.</summary>
    public static readonly IReadOnlyList<string> DefaultMethods = ["GET", "HEAD", "POST"];

    /// <summary>The request headers allowed when <see cref="AllowedHeaders"/> is not set: what a call to a protected API sends.</summary>
    public static readonly IReadOnlyList<string> DefaultHeaders = ["Authorization", "Content-Type"];

    /// <summary>Header always exposed to the calling page, so it can read the gateway's challenge.</summary>
    public const string AlwaysExposed = "WWW-Authenticate";

    /// <summary>
    /// Origins allowed to call: exact (<c>https://app.example.com</c>, <c>http://localhost:3000</c>), every subdomain
    /// of a domain (<c>https://*.example.com</c>), or <c>*</c> alone (any origin; not with credentials). Required.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Methods a preflight may ask for (default GET, HEAD, POST); <c>*</c> alone allows every method the gateway forwards.</summary>
    public IReadOnlyList<string>? AllowedMethods { get; init; }

    /// <summary>Request headers a preflight may ask for (default Authorization, Content-Type); <c>*</c> alone allows any.</summary>
    public IReadOnlyList<string>? AllowedHeaders { get; init; }

    /// <summary>Response headers the calling page may read, besides the CORS-safelisted ones; WWW-Authenticate always is.</summary>
    public IReadOnlyList<string> ExposedHeaders { get; init; } = [];

    /// <summary>Whether the page may send credentials (cookies, TLS client certificates) and read the answer (default false).</summary>
    public bool AllowCredentials { get; init; }

    /// <summary>How long a browser may cache a preflight answer (<c>Access-Control-Max-Age</c>); unset: the browser's default (5 s in Chromium).</summary>
    public TimeSpan? MaxAge { get; init; }
}
