namespace Gateway.Hosting;

/// <summary>
/// Where the configuration comes from, in this order: <c>--config PATH</c>, the <c>GATEWAY_CONFIG</c>
/// environment variable, then <c>config/</c> in the current directory or the nearest parent that has one.
/// A directory contributes <c>gateway.json</c> and <c>gateway.{Environment}.json</c> (the environment name matched
/// case-insensitively); a file is used alone.
/// </summary>
internal sealed record ConfigLocation(IReadOnlyList<string> Files, string Description)
{
    public const string EnvironmentVariable = "GATEWAY_CONFIG";
    public const string BaseFileName = "gateway.json";

    public static ConfigLocation Resolve(string? explicitPath, string environmentName)
    {
        var path = explicitPath ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            path = FindDefaultDirectory() ?? throw new FileNotFoundException(
                $"No configuration found (environment: {environmentName}; working directory: {Environment.CurrentDirectory}): pass --config PATH, set {EnvironmentVariable}, or run from a directory that has config/{BaseFileName}.");
        }

        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return new ConfigLocation([path], path);
        }

        if (Directory.Exists(path))
        {
            var files = new List<string>();
            var baseFile = Path.Combine(path, BaseFileName);
            if (File.Exists(baseFile))
            {
                files.Add(baseFile);
            }

            if (FindEnvironmentFile(path, environmentName) is { } environmentFile)
            {
                files.Add(environmentFile);
            }

            if (files.Count == 0)
            {
                throw new FileNotFoundException($"The configuration directory '{path}' has no {BaseFileName}.");
            }

            return new ConfigLocation(files, path);
        }

        throw new FileNotFoundException($"The configuration path '{path}' does not exist.");
    }

    /// <summary>Takes <c>--config PATH</c> (or <c>--config=PATH</c>), or another named option, out of the arguments.</summary>
    public static (string? Path, string[] Remaining) ExtractArgument(string[] args, string option = "--config")
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = new List<string>();
        string? path = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == option && i + 1 < args.Length)
            {
                path = args[++i];
            }
            else if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                path = args[i][(option.Length + 1)..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (path, [.. rest]);
    }

    // Environment names compare case-insensitively everywhere in ASP.NET Core (IsDevelopment, IsProduction):
    // `--environment production` reads gateway.Production.json, on a case-sensitive file system too.
    private static string? FindEnvironmentFile(string directory, string environmentName)
    {
        var wanted = $"gateway.{environmentName}.json";
        var matches = Directory.EnumerateFiles(directory, "gateway.*.json")
            .Where(f => string.Equals(Path.GetFileName(f), wanted, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        return matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new IOException($"The configuration directory '{directory}' has several files for the environment '{environmentName}' ({string.Join(", ", matches.Select(Path.GetFileName))}): keep one."),
        };
    }

    private static string? FindDefaultDirectory()
    {
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "config");
            if (File.Exists(Path.Combine(candidate, BaseFileName)))
            {
                return candidate;
            }
        }

        var besideApp = Path.Combine(AppContext.BaseDirectory, "config");
        return File.Exists(Path.Combine(besideApp, BaseFileName)) ? besideApp : null;
    }
}
