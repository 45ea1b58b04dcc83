using System.ComponentModel;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Binds the <c>Gateway</c> and <c>ReverseProxy</c> sections item by item, so that a binding failure
/// (unknown key, value of the wrong type) is reported with its path and does not hide the others.
/// </summary>
internal static partial class GatewayConfigReader
{

    public static (GatewayOptions Gateway, ProxySection Proxy) Read(IConfiguration root, List<ConfigError> errors)
    {
        var gatewaySection = root.GetSection(GatewayOptions.SectionName);
        var gateway = new GatewayOptions
        {
            Issuers = BindMap<IssuerOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Issuers)), errors),
            Policies = BindMap<PolicyOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Policies)), errors),
            DefaultPolicy = NullIfEmpty(gatewaySection[nameof(GatewayOptions.DefaultPolicy)]),
            ClaimHeaders = BindList<ClaimHeaderOptions>(gatewaySection.GetSection(nameof(GatewayOptions.ClaimHeaders)), errors),
            IssuerHeader = gatewaySection[nameof(GatewayOptions.IssuerHeader)] ?? GatewayOptions.DefaultIssuerHeader,
            StripHeaders = BindValue<List<string>>(gatewaySection.GetSection(nameof(GatewayOptions.StripHeaders)), errors) ?? [],
            Cors = BindCors(gatewaySection.GetSection(nameof(GatewayOptions.Cors)), errors),
            RateLimits = BindMap<RateLimitPolicyOptions>(gatewaySection.GetSection(nameof(GatewayOptions.RateLimits)), errors),
            TrustedProxies = BindValue<List<string>>(gatewaySection.GetSection(nameof(GatewayOptions.TrustedProxies)), errors) ?? [],
            TokenSources = BindValue<TokenSourceOptions>(gatewaySection.GetSection(nameof(GatewayOptions.TokenSources)), errors) ?? new(),
            Limits = BindValue<LimitOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Limits)), errors) ?? new(),
            ForwardAuthorizationHeader = BindValue<bool?>(gatewaySection.GetSection(nameof(GatewayOptions.ForwardAuthorizationHeader)), errors) ?? true,
            KeyCache = BindValue<KeyCacheOptions>(gatewaySection.GetSection(nameof(GatewayOptions.KeyCache)), errors) ?? new(),
            TokenCache = BindValue<TokenCacheOptions>(gatewaySection.GetSection(nameof(GatewayOptions.TokenCache)), errors) ?? new(),
            Backchannel = BindValue<BackchannelOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Backchannel)), errors) ?? new(),
            Redis = BindValue<RedisOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Redis)), errors) ?? new(),
            Revocation = BindValue<RevocationOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Revocation)), errors) ?? new(),
            Observability = BindValue<ObservabilityOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Observability)), errors) ?? new(),
            Management = BindValue<ManagementOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Management)), errors) ?? new(),
            Diagnostics = BindValue<DiagnosticsOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Diagnostics)), errors) ?? new(),
            Dpop = BindValue<DpopOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Dpop)), errors) ?? new(),
            CertificateBinding = BindValue<CertificateBindingOptions>(gatewaySection.GetSection(nameof(GatewayOptions.CertificateBinding)), errors) ?? new(),
            Development = BindValue<DevelopmentOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Development)), errors) ?? new(),
        };
        ReportUnknownKeys(gatewaySection, errors, typeof(GatewayOptions));

        var proxySection = root.GetSection(ProxySection.SectionName);
        var routes = new List<RouteConfig>();
        foreach (var child in proxySection.GetSection("Routes").GetChildren())
        {
            var route = BindValue<RouteConfig>(child, errors);
            if (route is not null)
            {
                // Configuration keys are case-insensitive everywhere else: so are the gateway's metadata keys ("policy" = "Policy").
                var metadata = route.Metadata is null ? null : new Dictionary<string, string>(route.Metadata, StringComparer.OrdinalIgnoreCase);
                routes.Add(route with { RouteId = child.Key, Metadata = metadata });
            }
        }

        var clusters = new List<ClusterConfig>();
        foreach (var child in proxySection.GetSection("Clusters").GetChildren())
        {
            var cluster = BindValue<ClusterConfig>(WithYarpVersion(child), errors);
            if (cluster is not null)
            {
                clusters.Add(cluster with { ClusterId = child.Key });
            }
        }

        return (gateway, new ProxySection(routes, clusters));
    }

    private static Dictionary<string, T> BindMap<T>(IConfigurationSection section, List<ConfigError> errors)
        where T : class, new()
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var child in section.GetChildren())
        {
            var value = BindValue<T>(child, errors);
            if (value is not null)
            {
                map[child.Key] = value;
            }
        }

        return map;
    }

    private static List<T> BindList<T>(IConfigurationSection section, List<ConfigError> errors)
        where T : class, new()
    {
        var list = new List<T>();
        foreach (var child in section.GetChildren())
        {
            var value = BindValue<T>(child, errors);
            if (value is not null)
            {
                list.Add(value);
            }
        }

        return list;
    }

    private static T? BindValue<T>(IConfigurationSection section, List<ConfigError> errors)
    {
        if (!section.Exists())
        {
            return default;
        }

        // Unknown keys are found here rather than with the binder's ErrorOnUnknownConfiguration, which
        // stops at the first type, reports only the section, and ignores [ConfigurationKeyName]
        // (it refused the documented claim rule key "Equals").
        ReportUnknownKeysDeep(section, typeof(T), errors, depth: 0);
        try
        {
            // An empty object (a child with no value) binds to a fresh instance rather than null.
            return section.Get<T>()
                ?? (typeof(T).IsValueType || section.Value is not null ? default : Activator.CreateInstance<T>());
        }
        catch (InvalidOperationException ex)
        {
            // "Failed to convert configuration value '…' at 'Gateway:Issuers:x:ClockSkew' to type …": report that path.
            var match = ValuePathPattern().Match(ex.Message);
            errors.Add(new ConfigError(match.Success ? match.Groups["path"].Value : section.Path, Describe(ex)));
            return default;
        }
    }

    // Walks the section against the type the binder will bind it to, reporting each key it would not bind.
    private static void ReportUnknownKeysDeep(IConfigurationSection section, Type type, List<ConfigError> errors, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (depth > 32 || IsLeaf(type))
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                ReportUnknownKeysDeep(child, element, errors, depth + 1);
            }

            return;
        }

        var properties = BindableProperties(type);
        foreach (var child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out var propertyType))
            {
                ReportUnknownKeysDeep(child, propertyType, errors, depth + 1);
            }
            else
            {
                errors.Add(new ConfigError(child.Path, $"unknown key '{child.Key}' (known keys: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})"));
            }
        }
    }

    private static bool IsLeaf(Type type) =>
        type == typeof(string) || type == typeof(object) || type.IsPrimitive || type.IsEnum
        || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    // Arrays, lists and dictionaries: the children are items of this type.
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var interfaces = type.IsInterface ? type.GetInterfaces().Prepend(type) : type.GetInterfaces();
        var generic = interfaces.Where(i => i.IsGenericType).ToList();
        var dictionary = generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
        if (dictionary is not null)
        {
            return dictionary.GetGenericArguments()[1];
        }

        return generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    // The keys the binder binds: public instance properties, by [ConfigurationKeyName] when set.
    private static Dictionary<string, Type> BindableProperties(Type type)
    {
        var properties = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                properties.TryAdd(property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name, property.PropertyType);
            }
        }

        return properties;
    }

    [GeneratedRegex(@" at '(?<path>[^']+)' to type ", RegexOptions.CultureInvariant)]
    private static partial Regex ValuePathPattern();

    private static void ReportUnknownKeys(IConfigurationSection section, List<ConfigError> errors, Type type)
    {
        var known = type.GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key))
            {
                errors.Add(new ConfigError(child.Path, $"unknown key '{child.Key}' (known keys: {string.Join(", ", known.Order(StringComparer.Ordinal))})"));
            }
        }
    }

    // The binder's messages name the CLR type; keep the part a user can act on.
    private static string Describe(InvalidOperationException ex)
    {
        var message = ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
        return message.Replace("'ErrorOnUnknownConfiguration' was set on the provided BinderOptions, but the following properties were not found on the instance of ", "unknown key(s) for ", StringComparison.Ordinal);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
