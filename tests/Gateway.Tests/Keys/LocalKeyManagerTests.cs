using Gateway.Keys;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Keys;

/// <summary>
/// <see cref="IssuerKeyManager"/> with a real JWKS file on a manual clock: the file is read again only when its
/// content changed (an unchanged file keeps the very same key set, so validated tokens stay cached), a token
/// naming a new kid reads a changed file at once, an invalid file never replaces good keys, and the keys do not go
/// stale with time.
/// </summary>
public sealed class LocalKeyManagerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SigningKey KeyA = TestIdentityProvider.CreateUnpublishedRsaKey("a");
    private static readonly SigningKey KeyB = TestIdentityProvider.CreateUnpublishedRsaKey("b");
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-jwks-unit-").FullName;
    private readonly FakeTimeProvider _time = new(Start);

    private string File => Path.Combine(_directory, "jwks.json");

    private IssuerKeyManager Manager() => new(
        new KeySourceSettings("local", FileKeyDocumentFetcher.AddressOf(File), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24),
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), KeySourceSettings.NeverStale, TimeSpan.FromSeconds(2)),
        new FileKeyDocumentFetcher("local", File, _time),
        MemoryOnlyKeyStore.Instance,
        _time,
        NullLogger.Instance);

    private void Write(params SigningKey[] keys) => System.IO.File.WriteAllText(File, TestIdentityProvider.JwksJson(keys));

    [Fact]
    public async Task UnchangedFile_IsNotReadAgain_TheKeySetStaysTheSame_AndNeverGoesStale()
    {
        Write(KeyA);
        var manager = Manager();
        await manager.RefreshIfDueAsync();
        var first = manager.Current;
        Assert.NotNull(first);
        Assert.Equal(KeySetSource.File, first.Source);

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromDays(30)); // far beyond any refresh interval and KeyCache:MaxStaleness
            await manager.RefreshIfDueAsync();
            Assert.Same(first, await manager.GetKeysAsync(CancellationToken.None));
        }

        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("b", CancellationToken.None)).Status);
        Assert.Same(first, manager.Current);
    }

    [Fact]
    public async Task UnknownKid_ReadsAChangedFile_AtOnce_WithoutWaitingForTheTick()
    {
        Write(KeyA);
        var manager = Manager();
        await manager.RefreshIfDueAsync();

        Write(KeyA, KeyB);
        var result = await manager.RefreshForUnknownKidAsync("b", CancellationToken.None);

        Assert.Equal(KidRefreshStatus.Found, result.Status);
        Assert.True(manager.Current!.ById.ContainsKey("b"));
    }

    [Fact]
    public async Task UnknownKids_CheckTheFile_AtMostOncePerSecond()
    {
        Write(KeyA);
        var manager = Manager();
        await manager.RefreshIfDueAsync();
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("b", CancellationToken.None)).Status);

        Write(KeyA, KeyB); // within the same second: a flood of unknown kids is answered from memory
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("b", CancellationToken.None)).Status);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KidRefreshStatus.Found, (await manager.RefreshForUnknownKidAsync("b", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task InvalidFile_KeepsTheLastGoodKeys_IsReadOnce_ThenAValidFileApplies()
    {
        Write(KeyA);
        var manager = Manager();
        await manager.RefreshIfDueAsync();
        var good = manager.Current;

        await System.IO.File.WriteAllTextAsync(File, """{"keys":[{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}]}""");
        await manager.RefreshIfDueAsync();
        Assert.Same(good, manager.Current);
        var failure = manager.LastFailure;
        Assert.NotNull(failure);
        Assert.Contains("private or symmetric key part 'k'", failure.Error);
        Assert.DoesNotContain("c2VjcmV0", failure.Error);

        await manager.RefreshIfDueAsync(); // unchanged invalid file: not read again
        Assert.Equal(1, manager.LastFailure!.ConsecutiveFailures);

        // Known keys in force: an unknown kid is "not published", not "could not be checked".
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("b", CancellationToken.None)).Status);

        Write(KeyB); // at once, whatever the backoff after the failure says
        await manager.RefreshIfDueAsync();
        Assert.True(manager.Current!.ById.ContainsKey("b"));
        Assert.Null(manager.LastFailure);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
