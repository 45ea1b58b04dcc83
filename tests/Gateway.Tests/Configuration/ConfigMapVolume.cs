using System.Globalization;
using System.Runtime.InteropServices;

namespace Gateway.Tests.Configuration;

/// <summary>
/// A directory laid out and updated exactly as kubelet's atomic writer does for a ConfigMap volume:
/// the data lives in a timestamped directory (<c>..2026_12_01_22_50_00.123456789</c>), <c>..data</c> is a
/// symbolic link to it, and each key is a symbolic link <c>gateway.json -> ..data/gateway.json</c>.
/// An update writes a new timestamped directory, points a new link <c>..data_tmp</c> at it, renames that
/// link over <c>..data</c> (rename(2): atomic), then removes the old directory. The visible
/// <c>gateway.json</c> link itself never changes.
/// </summary>
internal sealed class ConfigMapVolume : IDisposable
{
    private const string DataLink = "..data";
    private int _version;

    private ConfigMapVolume(string path)
    {
        Path = path;
    }

    /// <summary>The mounted directory (what <c>GATEWAY_CONFIG</c> points at in the pod).</summary>
    public string Path { get; }

    public static ConfigMapVolume Create(IReadOnlyDictionary<string, string> files)
    {
        var volume = new ConfigMapVolume(Directory.CreateTempSubdirectory("gateway-configmap-").FullName);
        volume.Update(files);
        foreach (var key in files.Keys)
        {
            File.CreateSymbolicLink(System.IO.Path.Combine(volume.Path, key), $"{DataLink}/{key}");
        }

        return volume;
    }

    /// <summary>Publishes a new version of the files, as kubelet does when the ConfigMap changes.</summary>
    public void Update(IReadOnlyDictionary<string, string> files)
    {
        var previous = CurrentDataDirectory();
        var stamp = DateTime.UtcNow.ToString("..yyyy_MM_dd_HH_mm_ss.", CultureInfo.InvariantCulture) + (++_version).ToString("D9", CultureInfo.InvariantCulture);
        var data = Directory.CreateDirectory(System.IO.Path.Combine(Path, stamp));
        foreach (var (key, content) in files)
        {
            File.WriteAllText(System.IO.Path.Combine(data.FullName, key), content);
        }

        var temporaryLink = System.IO.Path.Combine(Path, DataLink + "_tmp");
        File.CreateSymbolicLink(temporaryLink, stamp);
        if (Rename(temporaryLink, System.IO.Path.Combine(Path, DataLink)) != 0)
        {
            throw new IOException($"rename {temporaryLink}: errno {Marshal.GetLastPInvokeError()}");
        }

        if (previous is not null)
        {
            Directory.Delete(System.IO.Path.Combine(Path, previous), recursive: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string? CurrentDataDirectory() => new FileInfo(System.IO.Path.Combine(Path, DataLink)).LinkTarget;

    // rename(2) itself: it replaces the ..data link in one step, as kubelet's os.Rename does.
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
