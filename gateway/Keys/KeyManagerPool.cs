using Gateway.Development;
using Microsoft.Extensions.Logging;

namespace Gateway.Keys;

/// <summary>
/// The key managers of the active configuration, one per <see cref="KeySourceDefinition"/>. The snapshot manager
/// attaches managers to a validated configuration's definitions (<see cref="Attach"/>): a definition that did not
/// change keeps its manager, so a reload never drops loaded keys nor refetches them. Once the new configuration is in
/// force, the managers it does not use are released (<see cref="ReleaseAllExcept"/>): disposed, so they never load
/// again, and no longer sent the shared store's change notices. Routes those notices to the managers they concern.
/// </summary>
internal sealed class KeyManagerPool : IDisposable
{
    /// <summary>Name of the HttpClient used for discovery and JWKS requests.</summary>
    public const string HttpClientName = "jwt-gateway-keys";

    private readonly Lock _gate = new();
    private readonly IHttpClientFactory _httpClients;
    private readonly ISharedKeyStore _shared;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Func<string?, DevelopmentKeyStore> _developmentKeys;
    private readonly Observability.GatewayMetrics? _metrics;

    // Copy on write: the change-notice handler reads it without the lock.
    private volatile Dictionary<KeySourceDefinition, IssuerKeyManager> _managers = [];

    public KeyManagerPool(IHttpClientFactory httpClients, ISharedKeyStore shared, TimeProvider time, ILoggerFactory loggers, Func<string?, DevelopmentKeyStore> developmentKeys, Observability.GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _httpClients = httpClients;
        _shared = shared;
        _time = time;
        _loggers = loggers;
        _developmentKeys = developmentKeys;
        _shared.Changed += OnSharedChanged;
    }

    /// <summary>The managers not released yet (the active configuration's, plus those of a configuration being applied).</summary>
    public IReadOnlyCollection<IssuerKeyManager> Managers => _managers.Values;

    public static string DiscoveryAddress(string authority) => authority.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>
    /// One manager per issuer of a validated configuration, by issuer name: the existing one for a definition the pool
    /// already holds, else a new one (which loads nothing until asked).
    /// </summary>
    public IReadOnlyDictionary<string, IssuerKeyManager> Attach(IEnumerable<KeySourceDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        lock (_gate)
        {
            var managers = new Dictionary<KeySourceDefinition, IssuerKeyManager>(_managers);
            var attached = new Dictionary<string, IssuerKeyManager>(StringComparer.Ordinal);
            foreach (var definition in definitions)
            {
                if (!managers.TryGetValue(definition, out var manager))
                {
                    manager = Create(definition);
                    managers.Add(definition, manager);
                }

                attached[definition.IssuerName] = manager;
            }

            _managers = managers;
            return attached;
        }
    }

    /// <summary>
    /// Releases every manager but <paramref name="inUse"/> (the managers of the configuration now in force): called
    /// after a configuration was applied, and after one failed to apply (to drop what its attach created).
    /// </summary>
    public void ReleaseAllExcept(IEnumerable<IssuerKeyManager> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        var keep = inUse.ToHashSet(ReferenceEqualityComparer.Instance);
        List<IssuerKeyManager> released;
        lock (_gate)
        {
            released = _managers.Values.Where(m => !keep.Contains(m)).ToList();
            if (released.Count == 0)
            {
                return;
            }

            _managers = _managers.Where(pair => keep.Contains(pair.Value)).ToDictionary();
        }

        foreach (var manager in released)
        {
            manager.Dispose();
        }
    }

    public void Dispose()
    {
        _shared.Changed -= OnSharedChanged;
        ReleaseAllExcept([]);
    }

    private IssuerKeyManager Create(KeySourceDefinition definition) => new(
        definition.Settings,
        CreateFetcher(definition),
        definition.Development || definition.JwksFile is not null || definition.InlineJwks is not null ? MemoryOnlyKeyStore.Instance : _shared, // local keys: each replica reads its own
        _time,
        _loggers.CreateLogger<IssuerKeyManager>(),
        _metrics);

    private IKeyDocumentFetcher CreateFetcher(KeySourceDefinition definition)
    {
        if (definition.Development)
        {
            return new DevelopmentKeyFetcher(_developmentKeys(definition.DevelopmentKeyDirectory), _time);
        }

        if (definition.JwksFile is not null)
        {
            return new FileKeyDocumentFetcher(definition.IssuerName, definition.JwksFile, _time, _metrics);
        }

        if (definition.InlineJwks is not null)
        {
            return new InlineKeyDocumentFetcher(definition.InlineJwks, _time);
        }

        var http = _httpClients.CreateClient(HttpClientName);
        return definition.IsJwksUri
            ? HttpKeyDocumentFetcher.ForJwks(http, definition.Settings.SourceAddress, definition.RequireHttpsMetadata, _time)
            : HttpKeyDocumentFetcher.ForDiscovery(http, definition.Settings.SourceAddress, definition.ExpectedIssuer!, definition.RequireHttpsMetadata, _time);
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
