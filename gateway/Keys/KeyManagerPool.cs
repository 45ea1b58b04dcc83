using System.Collections.Concurrent;
using Gateway.Configuration;
using Gateway.Development;
using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

/// <summary>
/// Creates one <see cref="IssuerKeyManager"/> per key source and keeps it across configuration
/// reloads while the source's settings do not change, so a reload never drops loaded keys. Routes
/// change notices from the shared store to the managers they concern.
/// </summary>
internal sealed class KeyManagerPool
{
    /// <summary>Name of the HttpClient used for discovery and JWKS requests.</summary>
    public const string HttpClientName = "jwt-gateway-keys";

    private readonly ConcurrentDictionary<(KeySourceSettings Settings, bool RequireHttps, string? ExpectedIssuer), IssuerKeyManager> _managers = new();
    private readonly IHttpClientFactory _httpClients;
    private readonly ISharedKeyStore _shared;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Func<string?, DevelopmentKeyStore> _developmentKeys;

    public KeyManagerPool(IHttpClientFactory httpClients, ISharedKeyStore shared, TimeProvider time, ILoggerFactory loggers, Func<string?, DevelopmentKeyStore> developmentKeys, Introspection.TokenIntrospectorFactory? introspection = null)
    {
        Introspection = introspection ?? new Introspection.TokenIntrospectorFactory(httpClients, Gateway.Introspection.NoSharedIntrospectionCache.Instance, time, loggers);
        _httpClients = httpClients;
        _shared = shared;
        _time = time;
        _loggers = loggers;
        _developmentKeys = developmentKeys;
        _shared.Changed += OnSharedChanged;
    }

    /// <summary>The clock the key managers (and the validated-token caches built with them) use.</summary>
    public TimeProvider Time => _time;

    /// <summary>Builds a configuration's token introspector (the other way an issuer's tokens are checked, over the same backchannel).</summary>
    public Introspection.TokenIntrospectorFactory Introspection { get; }

    public IssuerKeyManager GetOrCreate(string issuerName, IssuerOptions issuer, string expectedIssuer, GatewayOptions gateway)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(gateway);
        var address = issuer.Development
            ? "development:" + (gateway.Development.KeyDirectory ?? DevelopmentKeyStore.DefaultDirectory)
            : issuer.JwksFile is not null ? FileKeyDocumentFetcher.AddressOf(issuer.JwksFile)
            : issuer.Jwks is not null ? InlineKeyDocumentFetcher.AddressOf(issuer.Jwks)
            : issuer.JwksUri ?? issuer.MetadataAddress ?? DiscoveryAddress(issuer.Authority!);
        var cache = gateway.KeyCache;
        var local = issuer.JwksFile is not null || issuer.Jwks is not null;
        var settings = new KeySourceSettings(
            issuerName,
            address,
            issuer.KeyRefreshInterval,
            cache.MinRefreshInterval,
            cache.MaxRefreshInterval,
            issuer.UnknownKidRefreshInterval,
            issuer.FetchTimeout,
            local ? KeySourceSettings.NeverStale : cache.MaxStaleness,
            cache.PeerFetchWait);
        var key = (settings, issuer.RequireHttpsMetadata, issuer.JwksUri is null ? expectedIssuer : null);
        return _managers.GetOrAdd(key, k => new IssuerKeyManager(
            k.Settings,
            CreateFetcher(issuer, k.Settings, k.ExpectedIssuer, gateway.Development),
            issuer.Development || local ? MemoryOnlyKeyStore.Instance : _shared, // local keys: each replica reads its own
            _time,
            _loggers.CreateLogger<IssuerKeyManager>()));
    }

    public static string DiscoveryAddress(string authority) => authority.TrimEnd('/') + "/.well-known/openid-configuration";

    private IKeyDocumentFetcher CreateFetcher(IssuerOptions issuer, KeySourceSettings settings, string? expectedIssuer, DevelopmentOptions development)
    {
        if (issuer.Development)
        {
            return new DevelopmentKeyFetcher(_developmentKeys(development.KeyDirectory), _time);
        }

        if (issuer.JwksFile is not null)
        {
            return new FileKeyDocumentFetcher(settings.IssuerName, issuer.JwksFile, _time);
        }

        if (issuer.Jwks is not null)
        {
            return new InlineKeyDocumentFetcher(issuer.Jwks, _time);
        }

        var http = _httpClients.CreateClient(HttpClientName);
        return issuer.JwksUri is not null
            ? HttpKeyDocumentFetcher.ForJwks(http, settings.SourceAddress, issuer.RequireHttpsMetadata, _time)
            : HttpKeyDocumentFetcher.ForDiscovery(http, settings.SourceAddress, expectedIssuer!, issuer.RequireHttpsMetadata, _time);
    }

    private void OnSharedChanged(string issuerName, string sourceAddress)
    {
        foreach (var manager in _managers.Values)
        {
            if (manager.Settings.IssuerName == issuerName && manager.Settings.SourceAddress == sourceAddress)
            {
                _ = manager.ReloadFromSharedAsync();
            }
        }
    }
}
