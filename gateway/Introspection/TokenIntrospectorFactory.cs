using Gateway.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Introspection;

/// <summary>
/// Builds a configuration's <see cref="TokenIntrospector"/> from the process-wide parts: the backchannel HttpClient
/// (the same trust as key fetches), the fleet's shared cache, the clock. A reload builds a new introspector (its
/// secret file is read again, its memory cache starts empty; the Redis level still answers).
/// </summary>
internal sealed class TokenIntrospectorFactory
{
    private readonly IHttpClientFactory _httpClients;
    private readonly ISharedIntrospectionCache _shared;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;

    public TokenIntrospectorFactory(IHttpClientFactory httpClients, ISharedIntrospectionCache shared, TimeProvider time, ILoggerFactory loggers, Observability.GatewayMetrics? metrics = null)
    {
        Metrics = metrics ?? Observability.GatewayMetrics.Unscoped;
        _httpClients = httpClients;
        _shared = shared;
        _time = time;
        _loggers = loggers;
    }

    /// <summary>The host's instruments, counted in by the introspector and the token validator of each configuration.</summary>
    public Observability.GatewayMetrics Metrics { get; }

    /// <summary>The introspector of the (at most one, validated) introspecting issuer, or null.</summary>
    public TokenIntrospector? Create(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, issuer) in options.Issuers)
        {
            if (issuer.Introspection is { } introspection)
            {
                var expected = ExpectedIssuer.Of(issuer, "")!;
                var secret = IntrospectionClientSecret.Read(introspection)
                    ?? throw new GatewayConfigurationException([new ConfigError($"Gateway:Issuers:{name}:Introspection", "the client secret could not be read")]);
                var settings = new IntrospectionSettings(name, issuer, expected, secret);
                var client = new IntrospectionClient(_httpClients.CreateClient(Keys.KeyManagerPool.HttpClientName), settings);
                return new TokenIntrospector(settings, client, _shared, _time, _loggers.CreateLogger<TokenIntrospector>(), Metrics);
            }
        }

        return null;
    }
}
