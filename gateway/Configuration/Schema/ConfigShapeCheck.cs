using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Gateway.Configuration.Schema;

/// <summary>
/// The configuration's shape, checked against <c>gateway.schema.json</c> before anything is bound (the binder
/// drops a value of the wrong type silently, and a dropped requirement weakens a policy):
/// <list type="number">
/// <item>each gateway JSON file on its own, with its exact JSON types (<c>"Roles": "admin"</c>, <c>{"0": "admin"}</c>, <c>[null]</c>);</item>
/// <item>then the merged configuration, environment variables and command line included, for <c>Gateway</c> and
/// <c>ReverseProxy</c> (the other root keys of a merged configuration are the whole environment).</item>
/// </list>
/// Every error carries its configuration path; a file's errors name the file, a merged-only error the layer that set it.
/// </summary>
internal static class ConfigShapeCheck
{
    // The sections the merged check walks: what the gateway binds. Logging, Urls and Kestrel are checked by their own rules.
    private static readonly string[] MergedSections = [GatewayOptions.SectionName, ProxySection.SectionName];

    private static readonly JsonDocumentOptions ParserOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static List<ConfigError> Check(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var fileErrors = GatewayFiles(configuration).SelectMany(CheckFile).ToList();
        var errors = new List<ConfigError>(fileErrors);

        // A file's mistake shows again in the merged tree: report it once, from the file, with its exact JSON type.
        foreach (var error in CheckMerged(configuration))
        {
            if (!fileErrors.Any(e => Related(e.Path, error.Path)))
            {
                errors.Add(error with { Message = $"{error.Message} ({Layer(configuration, error.Path)})" });
            }
        }

        return errors;
    }

    /// <summary>One file, with its exact JSON types.</summary>
    public static List<ConfigError> CheckFile(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), ParserOptions);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return [new ConfigError(path, ex.Message)];
        }

        using (document)
        {
            var name = Path.GetFileName(path);
            return CheckTree(ShapeNode.FromJson("", document.RootElement))
                .Select(e => e with { Message = $"{e.Message} (in {name})" })
                .ToList();
        }
    }

    /// <summary>The merged configuration's <c>Gateway</c> and <c>ReverseProxy</c> sections.</summary>
    public static List<ConfigError> CheckMerged(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sections = MergedSections.Select(configuration.GetSection).Where(s => s.Exists()).Select(ShapeNode.FromConfiguration).ToList();
        return CheckTree(new ShapeNode("", ShapeKind.Section, null, sections));
    }

    private static List<ConfigError> CheckTree(ShapeNode root)
    {
        var structural = new List<ConfigError>();
        var typed = new ConfigShapeWalker(GatewayConfigSchema.Document, structural).Walk(root, GatewayConfigSchema.Document, "");
        var errors = new List<ConfigError>(structural);
        if (typed is not null)
        {
            // What the walker refused is not in the typed tree; anything else the schema says is checked here.
            foreach (var (path, message) in GatewayConfigSchema.Evaluate(typed))
            {
                if (!structural.Any(e => Related(e.Path, path)) && !errors.Any(e => e.Path == path && e.Message == message))
                {
                    errors.Add(new ConfigError(path.Length == 0 ? "(root)" : path, message));
                }
            }
        }

        return errors;
    }

    /// <summary>Whether one path is the other, or lies inside it: one mistake, seen from two places.</summary>
    public static bool Related(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || a.StartsWith(b + ":", StringComparison.OrdinalIgnoreCase)
        || b.StartsWith(a + ":", StringComparison.OrdinalIgnoreCase);

    // The gateway's configuration files: the required JSON files (optional ones, like an appsettings.json the host adds, are not the gateway's).
    private static IEnumerable<string> GatewayFiles(IConfiguration configuration)
    {
        foreach (var provider in (configuration as IConfigurationRoot)?.Providers.OfType<JsonConfigurationProvider>() ?? [])
        {
            var path = provider.Source.FileProvider?.GetFileInfo(provider.Source.Path ?? "").PhysicalPath;
            if (path is not null && !provider.Source.Optional && File.Exists(path))
            {
                yield return path;
            }
        }
    }

    // Which non-file layer set a key: the last one that has it (later layers win).
    private static string Layer(IConfiguration configuration, string path)
    {
        foreach (var provider in ((configuration as IConfigurationRoot)?.Providers ?? []).Reverse())
        {
            if (provider is FileConfigurationProvider || (!provider.TryGet(path, out _) && !provider.GetChildKeys([], path).Any()))
            {
                continue;
            }

            return provider switch
            {
                EnvironmentVariablesConfigurationProvider => $"set by environment variable {EnvironmentPrefix(provider)}{path.Replace(":", "__", StringComparison.Ordinal)}",
                CommandLineConfigurationProvider => $"set on the command line as --{path}",
                _ => $"set by {provider.GetType().Name}",
            };
        }

        return "in the merged configuration";
    }

    // The provider names its prefix only in its description ("… Prefix: 'ASPNETCORE_'").
    private static string EnvironmentPrefix(IConfigurationProvider provider)
    {
        var description = provider.ToString() ?? "";
        var start = description.IndexOf("Prefix: '", StringComparison.Ordinal);
        var end = start < 0 ? -1 : description.IndexOf('\'', start + 9);
        return end < 0 ? "" : description[(start + 9)..end];
    }
}
