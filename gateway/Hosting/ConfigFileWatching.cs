using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace Gateway.Hosting;

/// <summary>
/// How a configuration file is watched for changes. A plain file: the file system's change notifications
/// (a change is seen at once). A file reached through a symbolic link, as in a Kubernetes ConfigMap or Secret
/// volume (<c>gateway.json -> ..data/gateway.json</c>, <c>..data -> ..2026_12_01_22_50_00.123456789</c>):
/// kubelet publishes an update by renaming a new <c>..data</c> link into place. The notification for that
/// rename names <c>..data</c>, not <c>gateway.json</c> (and dot-prefixed names are ignored by the watcher), so
/// the change would never be seen. Such a file is polled instead: every 4 seconds its link is resolved and
/// the target's last write time compared (a few stat calls; kubelet itself takes up to a minute or more to
/// propagate a ConfigMap change). <c>DOTNET_USE_POLLING_FILE_WATCHER=true</c> forces polling for every file.
/// </summary>
internal static class ConfigFileWatching
{
    public static void Configure(FileConfigurationSource source, string file)
    {
        if (source.FileProvider is PhysicalFileProvider physical && IsReachedThroughSymbolicLink(file))
        {
            // Both: polling tokens, and a timer that raises their callbacks (without it nobody asks them).
            physical.UsePollingFileWatcher = true;
            physical.UseActivePolling = true;
        }
    }

    /// <summary>Whether the file itself, or any directory on its path, is a symbolic link.</summary>
    internal static bool IsReachedThroughSymbolicLink(string path)
    {
        for (var current = Path.GetFullPath(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (new FileInfo(current).LinkTarget is not null)
            {
                return true;
            }
        }

        return false;
    }
}
