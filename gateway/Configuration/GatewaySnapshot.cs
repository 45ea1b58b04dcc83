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
internal sealed class GatewaySnapshot
{
    public GatewaySnapshot(
        GatewayOptions options,
        ProxySection proxy,
        IssuerRegistry issuers,
        IReadOnlyDictionary<string, RoutePlan> routes,
        IdentityHeaderStripper stripper,
        TokenExtractor extractor,
        TokenValidator validator,
        VerifiedTokenForwarding tokenForwarding,
        FrozenDictionary<string, CorsPolicy>? cors = null,
        SenderConstraints.SenderConstraintEnforcer? senderConstraints = null)
    {
        SenderConstraints = senderConstraints ?? GatewaySnapshotBuilder.BuildSenderConstraints(options, TimeProvider.System);
        Cors = cors ?? FrozenDictionary<string, CorsPolicy>.Empty;
        Validator = validator;
        TokenForwarding = tokenForwarding;
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
    /// The validator of this configuration: its issuers, its token size limit and its own validated-token cache
    /// (when <c>Gateway:TokenCache:Enabled</c>), so a reload never serves a token validated under the previous rules.
    /// </summary>
    public TokenValidator Validator { get; }

    /// <summary>Tokens validated under this configuration (the <see cref="Validator"/>'s cache; null when the cache is off).</summary>
    public ValidatedTokenCache? TokenCache => Validator.Cache;

    /// <summary>What of the verified token the downstream receives (<c>ForwardAuthorizationHeader</c>, token carriers).</summary>
    public VerifiedTokenForwarding TokenForwarding { get; }

    /// <summary>DPoP proof and client certificate checks of this configuration (<c>Gateway:Dpop</c>, <c>Gateway:CertificateBinding</c>).</summary>
    public SenderConstraints.SenderConstraintEnforcer SenderConstraints { get; }

    /// <summary>The access log, subject and metrics settings (<c>Gateway:Observability</c>).</summary>
    public ObservabilityOptions Observability => Options.Observability;
}
