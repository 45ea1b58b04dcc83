using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Rules;

/// <summary>
/// A duration written as a bare number is refused: .NET reads <c>"3600"</c> as 3600 <em>days</em>, so a
/// refresh interval meant as an hour becomes ten years. Every <see cref="TimeSpan"/> setting under
/// <c>Gateway</c> and in YARP's routes and clusters is found from the option types, so a new one is covered
/// without being listed here.
/// </summary>
internal static class DurationRule
{
    private const int MaxDepth = 32;

    public static void Check(IConfiguration configuration, List<ConfigError> errors)
    {
        Walk(configuration.GetSection(GatewayOptions.SectionName), typeof(GatewayOptions), errors, 0);
        Walk(configuration.GetSection("ReverseProxy:Routes"), typeof(Dictionary<string, RouteConfig>), errors, 0);
        Walk(configuration.GetSection("ReverseProxy:Clusters"), typeof(Dictionary<string, ClusterConfig>), errors, 0);
    }

    /// <summary>True for a value that <see cref="TimeSpan.Parse(string)"/> accepts as a whole number of days.</summary>
    internal static bool IsBareNumber(string value) =>
        long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static void Walk(IConfigurationSection section, Type type, List<ConfigError> errors, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(TimeSpan))
        {
            if (section.Value is { } value && IsBareNumber(value))
            {
                errors.Add(new(section.Path, $"'{value}' is a bare number, which a duration reads as {value.Trim()} days: write hh:mm:ss (01:00:00 is one hour, 00:00:30 thirty seconds; d.hh:mm:ss for days)"));
            }

            return;
        }

        if (depth > MaxDepth || type == typeof(string) || type.IsPrimitive || type.IsEnum || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)))
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                Walk(child, element, errors, depth + 1);
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, p => p.PropertyType, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out var propertyType))
            {
                Walk(child, propertyType, errors, depth + 1);
            }
        }
    }

    // Lists and dictionaries: their children are items of this type.
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var generic = (type.IsInterface ? type.GetInterfaces().Prepend(type) : type.GetInterfaces()).Where(i => i.IsGenericType).ToList();
        var dictionary = generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary is not null
            ? dictionary.GetGenericArguments()[1]
            : generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }
}
