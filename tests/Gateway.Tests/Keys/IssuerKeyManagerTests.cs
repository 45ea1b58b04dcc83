using Gateway.Keys;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Keys;

/// <summary>
/// <see cref="IssuerKeyManager"/> on a manual clock, with a scripted key source and no Redis: loads
/// triggered by requests obey the same backoff as the background refresh, and a key set without a
/// usable signing key never replaces good keys.
/// </summary>
public sealed class IssuerKeyManagerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SigningKey Good = TestIdentityProvider.CreateUnpublishedRsaKey("good");

    private static readonly KeySourceSettings Settings = new(
        "issuer", "https://idp.example/jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(2));

    private static IssuerKeyManager Manager(ScriptedKeySource source, TimeProvider time) =>
        new(Settings, source, MemoryOnlyKeyStore.Instance, time, NullLogger.Instance);

    private static KeyDocument Document(string jwks, TimeProvider time) => new(jwks, time.GetUtcNow());

    private const string NoSigningKeyJwks = """{"keys":[{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"},{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}]}""";

    [Fact]
    public async Task RequestsWhileAnIssuerHasNoKeys_FetchOncePerBackoffStep_AndAreAnsweredFromMemoryInBetween()
    {
        var time = new FakeTimeProvider(Start);
        var source = new ScriptedKeySource(_ => throw new HttpRequestException("the identity provider answered 500"));
        var manager = Manager(source, time);

        for (var i = 0; i < 200; i++)
        {
            Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        }

        Assert.Equal(1, source.Calls);

        // The first retry comes after 1 s less at most 20 % jitter: never before 0.8 s, always by 1 s.
        time.Advance(TimeSpan.FromMilliseconds(790));
        for (var i = 0; i < 50; i++)
        {
            Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        }

        Assert.Equal(1, source.Calls);
        time.Advance(TimeSpan.FromMilliseconds(211));
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(2, source.Calls);

        // Then 2 s (1.6 s to 2 s): the background tick and requests share the one schedule.
        time.Advance(TimeSpan.FromMilliseconds(1590));
        await manager.RefreshIfDueAsync();
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(2, source.Calls);
        time.Advance(TimeSpan.FromMilliseconds(411));
        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Equal(3, source.Calls);
    }

    [Fact]
    public async Task Backoff_DoublesUpToOneMinute_WithAtMostTwentyPercentJitter()
    {
        var time = new FakeTimeProvider(Start);
        var source = new ScriptedKeySource(_ => throw new HttpRequestException("down"));
        var manager = Manager(source, time);

        var expected = 1.0;
        for (var failure = 1; failure <= 9; failure++)
        {
            await manager.RefreshIfDueAsync();
            Assert.Equal(failure, source.Calls);
            var retryAt = manager.NextRetryAt!.Value;
            var delay = (retryAt - time.GetUtcNow()).TotalSeconds;
            Assert.InRange(delay, expected * 0.8, expected);
            time.Advance(retryAt - time.GetUtcNow());
            expected = Math.Min(expected * 2, 60);
        }
    }

    [Fact]
    public async Task JwksWithoutAUsableSigningKey_IsAFailedLoad_KeepingTheLastGoodKeys()
    {
        var time = new FakeTimeProvider(Start);
        var source = new ScriptedKeySource(call => Document(call == 1 ? TestIdentityProvider.JwksJson([Good]) : NoSigningKeyJwks, time));
        var manager = Manager(source, time);
        await manager.RefreshIfDueAsync();
        Assert.True(manager.Current!.ById.ContainsKey("good"));

        time.Advance(TimeSpan.FromMinutes(49)); // past the refresh-ahead point (80 % of 1 h)
        await manager.RefreshIfDueAsync();

        Assert.Equal(2, source.Calls);
        var keys = await manager.GetKeysAsync(CancellationToken.None);
        Assert.NotNull(keys);
        Assert.True(keys.ById.ContainsKey("good"));
        Assert.Contains("no usable signing key", manager.LastFailure?.Error, StringComparison.Ordinal);

        // A failed load: the next attempt waits for the backoff.
        await manager.RefreshIfDueAsync();
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task JwksWithoutAUsableSigningKey_OnAFirstLoad_LeavesTheIssuerWithoutKeys()
    {
        var time = new FakeTimeProvider(Start);
        var source = new ScriptedKeySource(_ => Document(NoSigningKeyJwks, time));
        var manager = Manager(source, time);

        Assert.Null(await manager.GetKeysAsync(CancellationToken.None));
        Assert.Null(manager.Current);
        Assert.NotNull(manager.LastFailure);
    }

    [Fact]
    public async Task UnknownKid_AfterAFailedRefresh_IsUnverifiable_AfterASuccessfulOne_IsUnknown()
    {
        var time = new FakeTimeProvider(Start);
        var failing = false;
        var source = new ScriptedKeySource(_ => failing ? throw new HttpRequestException("down") : Document(TestIdentityProvider.JwksJson([Good]), time));
        var manager = Manager(source, time);
        await manager.RefreshIfDueAsync();

        // The IdP answers: a kid it does not publish is checked and refused (401).
        var checkedKid = await manager.RefreshForUnknownKidAsync("never-published", CancellationToken.None);
        Assert.Equal(KidRefreshStatus.NotPublished, checkedKid.Status);
        Assert.Equal(2, source.Calls);

        // The IdP is down: the gateway could not check the kid (503), and does not remember it as unknown.
        failing = true;
        time.Advance(Settings.UnknownKidRefreshInterval);
        var unchecked1 = await manager.RefreshForUnknownKidAsync("rotated-in", CancellationToken.None);
        Assert.Equal(KidRefreshStatus.RefreshFailed, unchecked1.Status);
        Assert.NotNull(unchecked1.Keys);
        Assert.Equal(3, source.Calls);

        // Within the interval (and the backoff) it is answered from memory, still as unverifiable.
        var unchecked2 = await manager.RefreshForUnknownKidAsync("rotated-in", CancellationToken.None);
        Assert.Equal(KidRefreshStatus.RefreshFailed, unchecked2.Status);
        Assert.Equal(3, source.Calls);
    }

    [Fact]
    public async Task UnknownKid_WhoseLoadOutlastsTheFetchBudget_IsUnverifiable()
    {
        var time = new FakeTimeProvider(Start);
        var hang = new TaskCompletionSource<KeyDocument>(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new ScriptedKeySource(call => call == 1 ? Document(TestIdentityProvider.JwksJson([Good]), time) : null, _ => hang.Task);
        var manager = Manager(source, time);
        await manager.RefreshIfDueAsync();

        var pending = manager.RefreshForUnknownKidAsync("rotated-in", CancellationToken.None).AsTask();
        await Eventually.HoldsAsync(() => source.Calls == 2, TimeSpan.FromSeconds(5), "the unknown kid did not start a load");
        time.Advance(Settings.FetchTimeout);

        var result = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(KidRefreshStatus.RefreshFailed, result.Status);
        hang.SetCanceled();
    }

    [Fact]
    public async Task LeaseLoser_WhoseHolderAlreadySucceeded_ChecksTheKidAgainstThatResult_WithoutFetchingOrWaiting()
    {
        var time = new FakeTimeProvider(Start);
        var store = new ScriptedSharedStore(Document(TestIdentityProvider.JwksJson([Good]), time)) { LeaseGranted = false, LeaseState = FetchLeaseState.Succeeded };
        var source = new ScriptedKeySource(_ => throw new InvalidOperationException("a loser must not fetch while the holder's result stands"));
        var manager = new IssuerKeyManager(Settings, source, store, time, NullLogger.Instance);
        Assert.NotNull(await manager.GetKeysAsync(CancellationToken.None)); // first load from the shared copy

        var result = await manager.RefreshForUnknownKidAsync("never-published", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(KidRefreshStatus.NotPublished, result.Status);
        Assert.Equal(0, source.Calls);
    }

    [Fact]
    public async Task LeaseLoser_WhoseHolderFailed_LoadsItselfAtOnce()
    {
        var time = new FakeTimeProvider(Start);
        var rotated = TestIdentityProvider.CreateUnpublishedRsaKey("rotated");
        var store = new ScriptedSharedStore(Document(TestIdentityProvider.JwksJson([Good]), time)) { LeaseGranted = false, LeaseState = FetchLeaseState.Failed };
        var source = new ScriptedKeySource(_ => Document(TestIdentityProvider.JwksJson([Good, rotated]), time));
        var manager = new IssuerKeyManager(Settings, source, store, time, NullLogger.Instance);
        Assert.NotNull(await manager.GetKeysAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1)); // the fetched set is newer than the shared copy

        var result = await manager.RefreshForUnknownKidAsync("rotated", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(KidRefreshStatus.Found, result.Status);
        Assert.Equal(1, source.Calls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LeaseHolder_MarksItsLeaseDone_OnlyWhenTheEntryWasWritten(bool written)
    {
        // A lease marked done makes waiting replicas check a kid against the entry in Redis: if the write was lost
        // (a timeout, a failover), "done" would have them answer 401 for a key the holder did fetch.
        var time = new FakeTimeProvider(Start);
        var rotated = TestIdentityProvider.CreateUnpublishedRsaKey("rotated");
        var store = new ScriptedSharedStore(Document(TestIdentityProvider.JwksJson([Good]), time)) { LeaseGranted = true, WriteSucceeds = written };
        var source = new ScriptedKeySource(_ => Document(TestIdentityProvider.JwksJson([Good, rotated]), time));
        var manager = new IssuerKeyManager(Settings, source, store, time, NullLogger.Instance);
        Assert.NotNull(await manager.GetKeysAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));

        var result = await manager.RefreshForUnknownKidAsync("rotated", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(KidRefreshStatus.Found, result.Status);
        Assert.Equal([(FetchLeasePurpose.Kid, written)], store.Completions);
    }

    /// <summary>A shared store holding one document, whose lease answers are scripted.</summary>
    private sealed class ScriptedSharedStore(KeyDocument document) : ISharedKeyStore
    {
        public bool LeaseGranted { get; init; }

        public FetchLeaseState LeaseState { get; init; }

        public bool WriteSucceeds { get; init; } = true;

        public List<(FetchLeasePurpose Purpose, bool Succeeded)> Completions { get; } = [];

        public event Action<string, string>? Changed
        {
            add { }
            remove { }
        }

        public Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken) => Task.FromResult<KeyDocument?>(document);

        public Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument published, CancellationToken cancellationToken) => Task.FromResult(WriteSucceeds);

        public Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken) => Task.FromResult(LeaseGranted);

        public Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken)
        {
            lock (Completions)
            {
                Completions.Add((purpose, succeeded));
            }

            return Task.CompletedTask;
        }

        public Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken) => Task.FromResult(LeaseState);
    }

    /// <summary>A key source whose answers the test scripts by call number (1-based); counts calls.</summary>
    private sealed class ScriptedKeySource : IKeyDocumentFetcher
    {
        private readonly Func<int, KeyDocument?> _answer;
        private readonly Func<int, Task<KeyDocument>>? _asyncAnswer;
        private int _calls;

        public ScriptedKeySource(Func<int, KeyDocument?> answer, Func<int, Task<KeyDocument>>? asyncAnswer = null)
        {
            _answer = answer;
            _asyncAnswer = asyncAnswer;
        }

        public int Calls => Volatile.Read(ref _calls);

        public string SourceAddress => Settings.SourceAddress;

        public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            var document = _answer(call);
            return document is not null ? Task.FromResult(document) : _asyncAnswer!(call).WaitAsync(cancellationToken);
        }
    }
}
