using System.Security.Cryptography;
using System.Text;

namespace Gateway.Keys;

/// <summary>
/// Keys read from a JWKS file (<c>Gateway:Issuers:{name}:JwksFile</c>), e.g. a Kubernetes Secret mounted as a volume.
/// <para>
/// Change detection compares the SHA-256 of the file's bytes with those of the last read, polled by the key refresh
/// tick (every second). Hashing the content, not watching the directory, sees every way a file is replaced: an
/// in-place write, a rename over it, and kubelet's atomic swap of the <c>..data</c> symbolic link, whose target
/// path changes while the visible <c>jwks.json</c> link does not (a file system watcher on the directory would see
/// nothing of that). A JWKS is a few kilobytes: reading it once a second costs less than a stat of every link.
/// </para>
/// <para>
/// Every read is recorded, failed or not: an invalid or missing file is reported once, then left alone until it
/// changes again. A read that raced with a writer (half a file) is refused, and the complete file, differing from
/// what was read, is read on the next tick.
/// </para>
/// </summary>
internal sealed class FileKeyDocumentFetcher : ILocalKeySource
{
    private static readonly byte[] Unreadable = [];
    private readonly string _issuerName;
    private readonly TimeProvider _time;
    private readonly Observability.GatewayMetrics _metrics;
    private byte[]? _lastReadHash;

    public FileKeyDocumentFetcher(string issuerName, string path, TimeProvider time, Observability.GatewayMetrics? metrics = null)
    {
        _metrics = metrics ?? Observability.GatewayMetrics.Unscoped;
        _issuerName = issuerName;
        Path = path;
        _time = time;
    }

    public string Path { get; }

    public string SourceAddress => AddressOf(Path);

    public KeySetSource Kind => KeySetSource.File;

    public static string AddressOf(string path) => "file:" + path;

    public async Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        var (bytes, error) = await ReadAsync(Path, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastReadHash, Hash(bytes));
        var json = bytes is null ? null : Encoding.UTF8.GetString(bytes);
        var refusal = json is null ? new LocalKeySourceException("unreadable", $"the JWKS file '{Path}' could not be read: {error}")
            : LocalJwks.Problem(json) is { } problem ? new LocalKeySourceException("invalid", $"the JWKS file '{Path}' was refused: {problem}")
            : null;
        Observability.KeyTelemetry.LocalRead(_metrics, _issuerName, refusal?.Reason ?? "success");
        return refusal is null ? new KeyDocument(json!, _time.GetUtcNow()) : throw refusal;
    }

    public async ValueTask<bool> HasChangedAsync(CancellationToken cancellationToken)
    {
        var last = Volatile.Read(ref _lastReadHash);
        if (last is null)
        {
            return true;
        }

        var (bytes, _) = await ReadAsync(Path, cancellationToken).ConfigureAwait(false);
        return !Hash(bytes).AsSpan().SequenceEqual(last);
    }

    /// <summary>The file's bytes (following symbolic links), or null and why not: missing, unreadable or too large.</summary>
    public static async Task<(byte[]? Bytes, string? Error)> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.Asynchronous);
            if (stream.Length > LocalJwks.MaxBytes)
            {
                return (null, $"larger than {LocalJwks.MaxBytes} bytes");
            }

            var buffer = new byte[stream.Length];
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return (buffer, null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, "no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, ex is UnauthorizedAccessException ? "permission denied" : "I/O error");
        }
    }

    /// <summary>As <see cref="ReadAsync"/>, synchronously: for the configuration validator, which checks the file at load.</summary>
    public static (byte[]? Bytes, string? Error) Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > LocalJwks.MaxBytes)
            {
                return (null, $"larger than {LocalJwks.MaxBytes} bytes");
            }

            var buffer = new byte[stream.Length];
            stream.ReadExactly(buffer);
            return (buffer, null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, "no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, ex is UnauthorizedAccessException ? "permission denied" : "I/O error");
        }
    }

    private static byte[] Hash(byte[]? bytes) => bytes is null ? Unreadable : SHA256.HashData(bytes);
}
