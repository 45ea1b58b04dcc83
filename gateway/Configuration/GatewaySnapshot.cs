using System.Collections.Frozen;
using Gateway.Enforcement;
using Gateway.Forwarding;
using Gateway.Tokens;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Gateway.Configuration;

/// <summary>
/// One loaded, validated and compiled configuration. Requests read the current snapshot; a reload
/// builds a new one and swaps it atomically, so a request never sees half of a change.
/// </summary>
public sealed class GatewaySnapshot
{
    public GatewaySnapshot(
        GatewayOptions options,
        ProxySection proxy,
        IssuerRegistry issuers,
        IReadOnlyDictionary<string, RoutePlan> routes,
        IdentityHeaderStripper stripper,
        TokenExtractor extractor,
        ValidatedTokenCache? tokenCache = null,
        FrozenDictionary<string, CorsPolicy>? cors = null)
    {
        Cors = cors ?? FrozenDictionary<string, CorsPolicy>.Empty;
        TokenCache = tokenCache;
        Options = options;
        Proxy = proxy;
        Issuers = issuers;
        Routes = routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Stripper = stripper;
        Extractor = extractor;
    }

    public GatewayOptions Options { get; }

    public ProxySection Proxy { get; }

    public IssuerRegistry Issuers { get; }

    public FrozenDictionary<string, RoutePlan> Routes { get; }

    public IdentityHeaderStripper Stripper { get; }

    public TokenExtractor Extractor { get; }

    /// <summary>The compiled <c>Gateway:Cors</c> policies by name (case-insensitive, like configuration keys).</summary>
    public FrozenDictionary<string, CorsPolicy> Cors { get; }

    /// <summary>
    /// Tokens validated under this configuration (null when <c>Gateway:TokenCache:Enabled</c> is false).
    /// Each snapshot has its own: a reload never serves a token validated under the previous rules.
    /// </summary>
    public ValidatedTokenCache? TokenCache { get; }
}
