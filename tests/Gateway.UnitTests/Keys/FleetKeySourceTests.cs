using Gateway.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Gateway.UnitTests.Keys.KeyTestData;

namespace Gateway.UnitTests.Keys;

/// <summary>
/// The fleet protocol (<see cref="FleetKeySource"/>) between replicas sharing an in-memory Redis, on a fake clock: what
/// the functional fleet tests show with real processes and a real redis-server, here step by step and with the
/// clock stopped where the protocol decides.
/// </summary>
public sealed class FleetKeySourceTests
{
    private static readonly TimeSpan Poll = FleetKeySource.PeerPollInterval;
    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemorySharedKeyStore _redis;
    private readonly ScriptedOrigin _idp;

    public FleetKeySourceTests()
    {
        _redis = new InMemorySharedKeyStore(_time);
        _idp = new ScriptedOrigin(_time);
    }

    private static string EntryKey => InMemorySharedKeyStore.EntryKey(Settings.IssuerName, Settings.SourceAddress);

    private static string LeaseKey(FetchLeasePurpose purpose) => InMemorySharedKeyStore.LeaseKey(Settings.IssuerName, Settings.SourceAddress, purpose);

    // A replica as the gateway builds it: the public constructor puts the fleet protocol in front of the origin when the
    // store is a shared one.
    private (IssuerKeyManager Manager, InMemorySharedKeyStore.Replica Store) Replica(string id)
    {
        var store = _redis.Connect(id);
        return (new IssuerKeyManager(Settings, _idp, store, _time, NullLogger.Instance), store);
    }

    [Fact]
    public async Task ColdStart_OfThreeReplicas_FetchesOnce_TheOthersReadTheSharedEntry()
    {
        var (a, _) = Replica("a");
        var (b, _) = Replica("b");
        var (c, _) = Replica("c");

        var fetched = await a.GetKeysAsync(CancellationToken.None);
        var fromB = await b.GetKeysAsync(CancellationToken.None);
        var fromC = await c.GetKeysAsync(CancellationToken.None);

        Assert.Equal(1, _idp.Calls);
        Assert.Equal(KeySetSource.IdentityProvider, fetched!.Source);
        Assert.All([fromB, fromC], k => Assert.Equal((KeySetSource.SharedStore, fetched.FetchedAt), (k!.Source, k.FetchedAt)));
        Assert.Null(_redis[LeaseKey(FetchLeasePurpose.Load)]); // a published load lease is released
    }

    [Fact]
    public async Task LeaseTaken_ThePeerWaitsForThePublish_AndDoesNotFetch()
    {
        var (a, _) = Replica("a");
        var (b, _) = Replica("b");
        var release = _idp.Hold();
        var holder = a.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => _idp.Calls == 1); // a holds the lease and is fetching

        var waiter = b.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => _redis.LeaseReads >= 1); // b lost the lease and polls it
        _time.Advance(TimeSpan.FromSeconds(3)); // the holder is slow, within its budget: b keeps waiting
        Assert.False(waiter.IsCompleted);

        release.SetResult();
        await holder.WaitAsync(TimeSpan.FromSeconds(10));
        await _time.RunUntilDoneAsync(waiter, Poll, limit: Poll * 4); // the next poll finds the entry

        Assert.Equal(1, _idp.Calls);
        Assert.Equal((KeySetSource.SharedStore, a.Current!.FetchedAt), (b.Current!.Source, b.Current.FetchedAt));
    }

    [Fact]
    public async Task LeaseHolderDies_ThePeerWaitsOutItsBudget_ThenTheLeaseExpires_AndAnotherReplicaFetches()
    {
        var (b, _) = Replica("b");
        await b.RefreshIfDueAsync();
        Assert.Equal(1, _idp.Calls);
        _time.Advance(TimeSpan.FromMinutes(48)); // refresh-ahead is due

        // A replica takes the load lease, as the protocol does, and dies before publishing.
        var dead = _redis.Connect("dead");
        Assert.True(await dead.TryAcquireFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, FetchLeasePurpose.Load, PeerBudget, CancellationToken.None));
        var leaseTaken = _time.GetUtcNow();

        // b waits as long as the holder may take, then keeps its (still fresh) keys: nothing was fetched.
        var before = b.Current;
        var step = TimeSpan.FromMilliseconds(500); // each step fires b's pending poll
        await _time.RunUntilDoneAsync(b.RefreshIfDueAsync(), step, limit: PeerBudget + step);
        Assert.InRange(_time.GetUtcNow() - leaseTaken, PeerBudget, PeerBudget + step); // not a step before the budget
        Assert.Equal(1, _idp.Calls);
        Assert.Same(before, b.Current);

        // The dead holder's lease has expired with its budget: the next tick takes the lease and fetches.
        Assert.Null(_redis[LeaseKey(FetchLeasePurpose.Load)]);
        await b.RefreshIfDueAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _idp.Calls);
        Assert.Equal((KeySetSource.IdentityProvider, _time.GetUtcNow()), (b.Current!.Source, b.Current.FetchedAt));
    }

    [Fact]
    public async Task LeaseHolderDies_DuringAColdStart_TheWaitingReplicaFetchesItself_AfterTheHoldersBudget()
    {
        var (b, _) = Replica("b");
        var dead = _redis.Connect("dead");
        Assert.True(await dead.TryAcquireFetchLeaseAsync(Settings.IssuerName, Settings.SourceAddress, FetchLeasePurpose.Load, PeerBudget, CancellationToken.None));

        var load = b.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => _redis.LeaseReads >= 1);
        _time.Advance(PeerBudget - Poll);
        Assert.Equal(0, _idp.Calls); // no second fetch while the holder may still publish
        await _time.RunUntilDoneAsync(load, Poll, limit: Poll * 4);

        Assert.Equal(1, _idp.Calls);
        Assert.Equal(KeySetSource.IdentityProvider, b.Current!.Source);
    }

    [Fact]
    public async Task LeaseHolderFails_ThePeerStopsWaiting_AndFetchesAtOnce()
    {
        var (a, _) = Replica("a");
        var (b, _) = Replica("b");
        var release = _idp.Hold();
        _idp.Jwks = null; // the holder's fetch will fail
        var holder = a.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => _idp.Calls == 1);
        var waiter = b.RefreshIfDueAsync();
        await FakeClock.UntilAsync(() => _redis.LeaseReads >= 1);

        release.SetResult();
        await holder.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(a.LastFailure);
        Assert.EndsWith("|failed", _redis[LeaseKey(FetchLeasePurpose.Load)]);

        _idp.Jwks = Jwks("good");
        _idp.Hold().SetResult(); // b's own fetch answers at once
        var failedAt = _time.GetUtcNow();
        await _time.RunUntilDoneAsync(waiter, Poll, limit: Poll * 10);
        Assert.True(_time.GetUtcNow() - failedAt < PeerBudget / 2, "b waited for a result that could not come"); // its next poll

        Assert.Equal(2, _idp.Calls);
        Assert.Equal(KeySetSource.IdentityProvider, b.Current!.Source);
    }

    [Fact]
    public async Task AJwksWithoutAUsableSigningKey_IsNeverPublished_TheLastGoodEntryStays()
    {
        var (a, _) = Replica("a");
        await a.RefreshIfDueAsync();
        var good = _redis[EntryKey];
        _time.Advance(TimeSpan.FromMinutes(48)); // refresh-ahead is due
        _idp.Jwks = """{"keys":[{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"},{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}]}""";

        await a.RefreshIfDueAsync();

        Assert.Equal(2, _idp.Calls);
        Assert.Equal(NoUsableSigningKeyException.Description, a.LastFailure!.Error); // a failed load, named in readiness
        Assert.Equal(good, _redis[EntryKey]);
        Assert.Equal(KeySetSource.IdentityProvider, a.Current!.Source);
        Assert.EndsWith("|failed", _redis[LeaseKey(FetchLeasePurpose.Load)]); // waiting replicas stop waiting
    }

    [Fact]
    public async Task UnknownKid_IsFetchedOncePerIntervalForTheFleet()
    {
        var (a, _) = Replica("a");
        var (b, _) = Replica("b");
        await a.RefreshIfDueAsync();
        await b.RefreshIfDueAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        _idp.Jwks = Jwks("good", "rotated");

        var onA = await a.RefreshForUnknownKidAsync("rotated", CancellationToken.None);
        var onB = await b.RefreshForUnknownKidAsync("rotated", CancellationToken.None); // the newer entry holds it
        var madeUp = await b.RefreshForUnknownKidAsync("made-up", CancellationToken.None); // the kid lease says done

        Assert.Equal((KidRefreshStatus.Found, KidRefreshStatus.Found, KidRefreshStatus.NotPublished), (onA.Status, onB.Status, madeUp.Status));
        Assert.Equal(2, _idp.Calls);
        Assert.EndsWith("|done", _redis[LeaseKey(FetchLeasePurpose.Kid)]);
    }

    [Fact]
    public async Task OwnChangeNotice_IsIgnored_PeersReloadFromTheSharedEntry()
    {
        var (a, storeA) = Replica("a");
        var (b, storeB) = Replica("b");
        var noticesToA = 0;
        var noticesToB = new List<(string, string)>();
        storeA.Changed += (_, _) => Interlocked.Increment(ref noticesToA);
        storeB.Changed += (issuer, source) =>
        {
            noticesToB.Add((issuer, source));
            _ = b.ReloadFromSharedAsync(); // as KeyManagerPool routes it
        };

        await a.RefreshIfDueAsync();

        Assert.Equal(0, noticesToA);
        Assert.Equal([(Settings.IssuerName, Settings.SourceAddress)], noticesToB);
        await FakeClock.UntilAsync(() => b.Current is not null);
        Assert.Equal((KeySetSource.SharedStore, a.Current!.FetchedAt), (b.Current!.Source, b.Current.FetchedAt));
        Assert.Equal(1, _idp.Calls);
    }

    [Theory]
    [InlineData("swapped keys")]
    [InlineData("another integrity key")]
    [InlineData("another issuer's entry")]
    [InlineData("not an entry")]
    public async Task TamperedEntry_IsRejected_AndTheReplicaFetchesFromTheIdentityProvider(string tampering)
    {
        var (a, _) = Replica("a");
        await a.RefreshIfDueAsync();
        var genuine = _redis[EntryKey]!;
        var injected = new KeyDocument(Jwks("injected"), _time.GetUtcNow());
        _redis[EntryKey] = tampering switch
        {
            "swapped keys" => genuine.Replace("good", "injected", StringComparison.Ordinal), // the MAC no longer matches
            "another integrity key" => new InMemorySharedKeyStore(_time, "an-attacker-key-0000000000000000000000000").Codec.Seal(Settings.IssuerName, Settings.SourceAddress, injected),
            "another issuer's entry" => _redis.Codec.Seal("other-issuer", Settings.SourceAddress, injected),
            _ => "{\"V\":1}",
        };

        var (b, storeB) = Replica("b");
        var keys = await b.GetKeysAsync(CancellationToken.None);

        Assert.Equal(1, storeB.RejectedEntries);
        Assert.Equal(2, _idp.Calls);
        Assert.Equal(KeySetSource.IdentityProvider, keys!.Source);
        Assert.True(keys.ById.ContainsKey("good"));
        Assert.False(keys.ById.ContainsKey("injected"));
    }
}
