using System.Reflection;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Binds the <c>Gateway</c> and <c>ReverseProxy</c> sections item by item, so that a binding failure
/// (unknown key, value of the wrong type) is reported with its path and does not hide the others.
/// </summary>
internal static class GatewayConfigReader
{
    private static readonly BinderOptions Strict = new() { ErrorOnUnknownConfiguration = true };

    public static (GatewayOptions Gateway, ProxySection Proxy) Read(IConfiguration root, List<ConfigError> errors)
    {
        var gatewaySection = root.GetSection(GatewayOptions.SectionName);
        var gateway = new GatewayOptions
        {
            Issuers = BindMap<IssuerOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Issuers)), errors),
            Policies = BindPolicies(gatewaySection.GetSection(nameof(GatewayOptions.Policies)), errors),
            DefaultPolicy = NullIfEmpty(gatewaySection[nameof(GatewayOptions.DefaultPolicy)]),
            ClaimHeaders = BindList<ClaimHeaderOptions>(gatewaySection.GetSection(nameof(GatewayOptions.ClaimHeaders)), errors),
            StripHeaders = BindValue<List<string>>(gatewaySection.GetSection(nameof(GatewayOptions.StripHeaders)), errors) ?? [],
            TokenSources = BindValue<TokenSourceOptions>(gatewaySection.GetSection(nameof(GatewayOptions.TokenSources)), errors) ?? new(),
            Limits = BindValue<LimitOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Limits)), errors) ?? new(),
            ForwardAuthorizationHeader = BindValue<bool?>(gatewaySection.GetSection(nameof(GatewayOptions.ForwardAuthorizationHeader)), errors) ?? true,
            KeyCache = BindValue<KeyCacheOptions>(gatewaySection.GetSection(nameof(GatewayOptions.KeyCache)), errors) ?? new(),
            Redis = BindValue<RedisOptions>(gatewaySection.GetSection(nameof(GatewayOptions.Redis)), errors) ?? new(),
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
            var cluster = BindValue<ClusterConfig>(child, errors);
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

    // The reflection binder's unknown-key check ignores [ConfigurationKeyName] (dotnet/runtime#119114),
    // so it refuses the documented claim rule key "Equals". Policies are bound without that check and
    // their keys are checked here instead, honouring the attribute, with the same error per unknown key.
    private static Dictionary<string, PolicyOptions> BindPolicies(IConfigurationSection section, List<ConfigError> errors)
    {
        var map = new Dictionary<string, PolicyOptions>(StringComparer.Ordinal);
        foreach (var child in section.GetChildren())
        {
            var before = errors.Count;
            ReportUnknownKeysDeep(child, typeof(PolicyOptions), errors);
            var value = BindValue<PolicyOptions>(child, errors, strict: false);
            if (value is not null && errors.Count == before)
            {
                map[child.Key] = value;
            }
        }

        return map;
    }

    private static void ReportUnknownKeysDeep(IConfigurationSection section, Type type, List<ConfigError> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null)
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                errors.Add(new ConfigError(child.Path, $"unknown key '{child.Key}' (known keys: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})"));
                continue;
            }

            // Lists of option records (Claims, AllOf, AnyOf, ClaimHeaders): check each item.
            var itemType = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                ? property.PropertyType.GetGenericArguments()[0]
                : null;
            if (itemType is not null && itemType != typeof(string) && itemType.IsClass)
            {
                foreach (var item in child.GetChildren())
                {
                    ReportUnknownKeysDeep(item, itemType, errors);
                }
            }
        }
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

    private static T? BindValue<T>(IConfigurationSection section, List<ConfigError> errors, bool strict = true)
    {
        if (!section.Exists())
        {
            return default;
        }

        try
        {
            // An empty object (a child with no value) binds to a fresh instance rather than null.
            return section.Get<T>(o => o.ErrorOnUnknownConfiguration = strict && Strict.ErrorOnUnknownConfiguration)
                ?? (typeof(T).IsValueType || section.Value is not null ? default : Activator.CreateInstance<T>());
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(new ConfigError(section.Path, Describe(ex)));
            return default;
        }
    }

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
