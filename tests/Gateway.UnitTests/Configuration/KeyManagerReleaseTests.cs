using Gateway.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Configuration;

/// <summary>
/// A released key manager (its issuer left the configuration) loads nothing more, whoever asks, and a request that still
/// holds the snapshot it belonged to gets an answer from the keys in memory, never an exception.
/// </summary>
public sealed class KeyManagerReleaseTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero));
    private readonly CountingFetcher _fetcher;
    private readonly IssuerKeyManager _manager;

    public KeyManagerReleaseTests()
    {
        _fetcher = new CountingFetcher(InProcessKeys.Jwks("k1"), _time);
        var settings = new KeySourceSettings("gone", _fetcher.SourceAddress, Lifetime, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), TimeSpan.FromSeconds(1));
        _manager = new IssuerKeyManager(settings, _fetcher, MemoryOnlyKeyStore.Instance, _time, NullLogger.Instance);
    }

    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task ReleasedManager_AnswersFromMemory_AndFetchesNoMore()
    {
        Assert.NotNull(await _manager.GetKeysAsync(Bounded));
        Assert.Equal(1, _fetcher.Fetches);

        _manager.Dispose();
        Assert.True(_manager.IsReleased);

        // Refresh-ahead is due (80 % of the lifetime passed): a live manager would fetch, a released one does not.
        _time.Advance(Lifetime * 0.9);
        await _manager.RefreshIfDueAsync().WaitAsync(Bounded);

        // A request of the replaced snapshot: its known kid still verifies; an unknown kid is a failed refresh (401), not a fetch.
        var keys = await _manager.GetKeysAsync(Bounded);
        Assert.NotNull(keys);
        Assert.True(keys.ById.ContainsKey("k1"));
        Assert.Equal(KidRefreshStatus.RefreshFailed, (await _manager.RefreshForUnknownKidAsync("rotated-in", Bounded)).Status);
        Assert.Equal(KidRefreshStatus.Found, (await _manager.RefreshForUnknownKidAsync("k1", Bounded)).Status);
        Assert.Equal(1, _fetcher.Fetches);
    }

    [Fact]
    public async Task ReleasedManager_PastItsKeysUsability_AnswersNoKeys_WithoutFetching()
    {
        Assert.NotNull(await _manager.GetKeysAsync(Bounded));
        _manager.Dispose();

        _time.Advance(Lifetime + TimeSpan.FromHours(2)); // past the keys' lifetime and the staleness limit
        Assert.Null(await _manager.GetKeysAsync(Bounded));
        Assert.Equal(1, _fetcher.Fetches);
    }

    [Fact]
    public async Task ManagerReleasedBeforeAnyLoad_NeverFetches()
    {
        _manager.Dispose();

        Assert.Null(await _manager.GetKeysAsync(Bounded));
        await _manager.RefreshIfDueAsync().WaitAsync(Bounded);
        Assert.Equal(KidRefreshStatus.RefreshFailed, (await _manager.RefreshForUnknownKidAsync("k1", Bounded)).Status);
        Assert.Equal(0, _fetcher.Fetches);
    }

    [Fact]
    public async Task LiveManager_RefreshesWhenDue()
    {
        // The same steps without the release: the refresh does fetch (what the tests above rule out is real).
        Assert.NotNull(await _manager.GetKeysAsync(Bounded));
        _time.Advance(Lifetime * 0.9);
        await _manager.RefreshIfDueAsync().WaitAsync(Bounded);
        Assert.Equal(2, _fetcher.Fetches);
    }
}
