using Gateway.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Gateway.UnitTests.Keys.KeyTestData;

namespace Gateway.UnitTests.Keys;

/// <summary>
/// The per-replica half of the key pipeline on a fake clock, without Redis: single flight, refresh-ahead and the backoff
/// with its jitter. The fleet half is in <see cref="FleetKeySourceTests"/>.
/// </summary>
public sealed class IssuerKeyManagerTests
{
    private readonly FakeTimeProvider _time = new(Start);

    private IssuerKeyManager Manager(ScriptedOrigin origin, Random? jitter = null) =>
        new(Settings, new OriginKeySource(origin, _time), _time, NullLogger.Instance, jitter);

    [Fact]
    public async Task ConcurrentRequests_WithNoKeysYet_ShareOneFetch()
    {
        var origin = new ScriptedOrigin(_time);
        var release = origin.Hold();
        var manager = Manager(origin);

        var requests = Enumerable.Range(0, 50).Select(_ => manager.GetKeysAsync(CancellationToken.None).AsTask()).ToArray();
        await FakeClock.UntilAsync(() => origin.Calls == 1);
        Assert.All(requests, r => Assert.False(r.IsCompleted));
        release.SetResult();
        var keys = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, origin.Calls);
        Assert.All(keys, k => Assert.Same(keys[0], k));
        Assert.Equal(KeySetSource.IdentityProvider, keys[0]!.Source);
    }

    [Fact]
    public async Task RefreshAhead_IsDueAt80PercentOfTheLifetime_AndRequestsDoNotWaitForIt()
    {
        var origin = new ScriptedOrigin(_time) { MaxAge = TimeSpan.FromMinutes(10) };
        var manager = Manager(origin);
        var first = await manager.GetKeysAsync(CancellationToken.None);
        Assert.Equal(Start + TimeSpan.FromMinutes(8), first!.RefreshAt);

        _time.Advance(TimeSpan.FromMinutes(8) - TimeSpan.FromTicks(1));
        await manager.RefreshIfDueAsync();
        Assert.Equal(1, origin.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        var release = origin.Hold();
        var refresh = manager.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => origin.Calls == 2);

        // While the refresh runs, requests are answered from memory at once.
        var during = manager.GetKeysAsync(CancellationToken.None);
        Assert.True(during.IsCompletedSuccessfully); // no waiting: memory answered
        Assert.Same(first, await during);

        origin.Jwks = Jwks("good", "next");
        release.SetResult();
        await refresh.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(manager.Current!.ById.ContainsKey("next"));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(8), manager.Current.RefreshAt);
    }

    [Theory]
    [InlineData(600, 600)] // the IdP's max-age
    [InlineData(1, 60)] // clamped to KeyCache:MinRefreshInterval (1 min)
    [InlineData(864000, 86400)] // clamped to KeyCache:MaxRefreshInterval (24 h)
    [InlineData(null, 3600)] // no max-age: the issuer's KeyRefreshInterval (1 h)
    public async Task TheBackgroundRefresh_ComesAt80PercentOfTheLifetime_MaxAgeWithinBounds(int? maxAgeSeconds, int lifetimeSeconds)
    {
        var origin = new ScriptedOrigin(_time) { MaxAge = maxAgeSeconds is { } s ? TimeSpan.FromSeconds(s) : null };
        var manager = Manager(origin);
        await manager.RefreshIfDueAsync();
        var due = TimeSpan.FromSeconds(lifetimeSeconds) * KeySourceSettings.RefreshAheadRatio;

        _time.Advance(due - TimeSpan.FromTicks(1));
        await manager.RefreshIfDueAsync();
        Assert.Equal(1, origin.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        await manager.RefreshIfDueAsync();
        Assert.Equal(2, origin.Calls);
    }

    [Theory]
    [InlineData(0.0)] // no jitter: the full step
    [InlineData(0.5)]
    [InlineData(0.999999)] // the most jitter takes off: 20 %
    public async Task Backoff_Doubles_UpToAMinute_EachStepShortenedByTheJitter_AtMost20Percent(double draw)
    {
        var origin = new ScriptedOrigin(_time) { Jwks = null };
        var manager = Manager(origin, new FixedRandom(draw));

        for (var failures = 1; failures <= 9; failures++)
        {
            await manager.RefreshIfDueAsync();
            Assert.Equal(failures, origin.Calls);
            var step = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), 60));
            var wait = manager.NextRetryAt!.Value - _time.GetUtcNow();
            var expected = step * (1 - (RetryBackoff.Jitter * draw));
            Assert.InRange(wait, expected - TimeSpan.FromTicks(10), expected + TimeSpan.FromTicks(10));
            Assert.InRange(wait, step * 0.8, step);

            // Nothing loads before the retry time, whoever asks.
            _time.Advance(wait - TimeSpan.FromTicks(1));
            await manager.RefreshIfDueAsync();
            Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
            Assert.Equal(KidRefreshStatus.RefreshFailed, (await manager.RefreshForUnknownKidAsync("any", CancellationToken.None)).Status);
            Assert.Equal(failures, origin.Calls);
            _time.Advance(TimeSpan.FromTicks(1));
        }
    }

    [Fact]
    public async Task Backoff_UnderASeededRandom_IsReproducible_AndReplicasDoNotRetryInLockstep()
    {
        var schedules = new List<TimeSpan[]>();
        foreach (var seed in new[] { 7, 7, 8 })
        {
            var time = new FakeTimeProvider(Start);
            var origin = new ScriptedOrigin(time) { Jwks = null };
            var manager = new IssuerKeyManager(Settings, new OriginKeySource(origin, time), time, NullLogger.Instance, new Random(seed));
            var waits = new TimeSpan[6];
            for (var i = 0; i < waits.Length; i++)
            {
                await manager.RefreshIfDueAsync();
                waits[i] = manager.NextRetryAt!.Value - time.GetUtcNow();
                time.Advance(waits[i]);
            }

            schedules.Add(waits);
        }

        Assert.Equal(schedules[0], schedules[1]);
        Assert.NotEqual(schedules[0], schedules[2]);
    }

    [Fact]
    public async Task ASuccess_EndsTheBackoff()
    {
        var origin = new ScriptedOrigin(_time) { Jwks = null };
        var manager = Manager(origin, new FixedRandom(0));
        await manager.RefreshIfDueAsync();
        await manager.RefreshIfDueAsync(); // within the backoff: no load
        Assert.Equal(1, origin.Calls);

        origin.Jwks = Jwks("good");
        _time.Advance(TimeSpan.FromSeconds(1));
        await manager.RefreshIfDueAsync();

        Assert.Null(manager.NextRetryAt);
        Assert.Null(manager.LastFailure);
        Assert.NotNull(await manager.GetKeysAsync(CancellationToken.None));
    }

    [Fact]
    public async Task UnknownKids_LoadAtMostOncePerInterval_AndAKeyRotatedInMeanwhile_IsFoundOnceTheIntervalPassed()
    {
        var origin = new ScriptedOrigin(_time);
        var manager = Manager(origin);
        await manager.GetKeysAsync(CancellationToken.None);

        // A flood of made-up kids: one load, every kid checked and absent (401).
        var flood = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => manager.RefreshForUnknownKidAsync("random-" + i, CancellationToken.None).AsTask()));
        Assert.All(flood, r => Assert.Equal(KidRefreshStatus.NotPublished, r.Status));
        Assert.Equal(2, origin.Calls);

        // A key rotated in within the interval is not loaded for: answered from memory (401) until the interval is over.
        origin.Jwks = Jwks("good", "rotated");
        _time.Advance(Settings.UnknownKidRefreshInterval - TimeSpan.FromTicks(1));
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("rotated", CancellationToken.None)).Status);
        Assert.Equal(2, origin.Calls);

        _time.Advance(TimeSpan.FromTicks(1));
        var found = await manager.RefreshForUnknownKidAsync("rotated", CancellationToken.None);
        Assert.Equal(KidRefreshStatus.Found, found.Status);
        Assert.Equal(3, origin.Calls);

        // The next interval starts with that load: another made-up kid waits for it again.
        _time.Advance(Settings.UnknownKidRefreshInterval - TimeSpan.FromTicks(1));
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("random-later", CancellationToken.None)).Status);
        Assert.Equal(3, origin.Calls);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(KidRefreshStatus.NotPublished, (await manager.RefreshForUnknownKidAsync("random-later", CancellationToken.None)).Status);
        Assert.Equal(4, origin.Calls);
    }

    [Fact]
    public async Task IdentityProviderDown_TheLastKeysServeUntilMaxStaleness_ThenNone_UntilARetryAfterTheBackoffLoadsAgain()
    {
        var origin = new ScriptedOrigin(_time);
        var manager = Manager(origin, new FixedRandom(0));
        var loaded = await manager.GetKeysAsync(CancellationToken.None);
        origin.Jwks = null; // the IdP fails from now on

        // The refresh-ahead fails; the keys keep serving, from memory, up to the staleness limit after their fetch.
        _time.Advance(loaded!.RefreshAt - _time.GetUtcNow());
        await manager.RefreshIfDueAsync();
        Assert.Equal(2, origin.Calls);
        Assert.NotNull(manager.LastFailure);
        _time.Advance(Start + Settings.MaxStaleness - _time.GetUtcNow());
        Assert.Same(loaded, await manager.GetKeysAsync(CancellationToken.None));

        // Past it: no usable keys (503), and a request may try a load only outside the backoff.
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(3, origin.Calls);
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(3, origin.Calls);
        Assert.Equal(KidRefreshStatus.RefreshFailed, (await manager.RefreshForUnknownKidAsync("any", CancellationToken.None)).Status);

        // The IdP is back: the retry after the backoff (2 s after the second failure in a row) restores the keys.
        origin.Jwks = Jwks("good");
        _time.Advance(manager.NextRetryAt!.Value - _time.GetUtcNow() - TimeSpan.FromTicks(1));
        await manager.RefreshIfDueAsync();
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(3, origin.Calls);
        _time.Advance(TimeSpan.FromTicks(1));
        await manager.RefreshIfDueAsync();
        Assert.NotNull(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(4, origin.Calls);
    }
}
