namespace Gateway.Hosting;

/// <summary>
/// Receives failures to re-read a configuration file on change (e.g. a half-written or invalid JSON
/// save), so they are logged like any rejected change instead of vanishing in the file watcher.
/// </summary>
public sealed class ConfigFileErrors
{
    public event Action<string, string>? Failed;

    internal void Report(string file, Exception exception) =>
        Failed?.Invoke(file, exception.InnerException?.Message ?? exception.Message);
}
