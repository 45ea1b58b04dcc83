using Gateway.Hosting;

namespace Gateway.Tests.Configuration;

/// <summary>Which configuration files are polled: those reached through a symbolic link, the file's or a directory's.</summary>
public sealed class ConfigFileWatchingTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gateway-watching-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void PlainFile_IsNotReachedThroughALink()
    {
        var file = Path.Combine(_root.FullName, "gateway.json");
        File.WriteAllText(file, "{}");

        Assert.False(ConfigFileWatching.IsReachedThroughSymbolicLink(file));
    }

    [Fact]
    public void ConfigMapVolumeFile_IsReachedThroughALink()
    {
        using var volume = ConfigMapVolume.Create(new Dictionary<string, string> { ["gateway.json"] = "{}" });

        Assert.True(ConfigFileWatching.IsReachedThroughSymbolicLink(Path.Combine(volume.Path, "gateway.json")));
    }

    [Fact]
    public void FileInASymlinkedDirectory_IsReachedThroughALink()
    {
        // The git-sync layout: a "current" directory link swapped to a new revision.
        var revision = Directory.CreateDirectory(Path.Combine(_root.FullName, "rev-1"));
        File.WriteAllText(Path.Combine(revision.FullName, "gateway.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "current"), "rev-1");

        Assert.True(ConfigFileWatching.IsReachedThroughSymbolicLink(Path.Combine(_root.FullName, "current", "gateway.json")));
    }
}
