using Gateway.Configuration;
using Gateway.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Configuration;

/// <summary>
/// The pool attaches one manager per issuer definition, keeps it while the definition does not change (its warm cache
/// survives a reload), and releases what the configuration in force no longer uses.
/// </summary>
public sealed class KeyManagerPoolTests : IDisposable
{
    private readonly NoticeOnlyKeyStore _store = new();
    private readonly KeyManagerPool _pool;

    public KeyManagerPoolTests()
    {
        _pool = new KeyManagerPool(new NoNetworkHttpClientFactory(), _store, new FakeTimeProvider(), NullLoggerFactory.Instance, _ => throw new InvalidOperationException("no development issuer here"));
    }

    public void Dispose() => _pool.Dispose();

    private static GatewayOptions Options(params (string Name, string Authority)[] issuers) =>
        Options(issuers.Select(i => (i.Name, Issuer(i.Authority))).ToArray());

    private static GatewayOptions Options(params (string Name, IssuerOptions Issuer)[] issuers) => new()
    {
        Issuers = issuers.ToDictionary(i => i.Name, i => i.Issuer),
    };

    private static IssuerOptions Issuer(string authority) => new() { Authority = authority, Audiences = ["api"] };

    private IReadOnlyDictionary<string, IssuerKeyManager> Attach(GatewayOptions options) => _pool.Attach(GatewaySnapshotBuilder.KeySources(options));

    [Fact]
    public void UnchangedDefinition_KeepsItsManager()
    {
        var first = Attach(Options(("a", "https://a.example.com"), ("b", "https://b.example.com")));
        _pool.ReleaseAllExcept(first.Values);

        var second = Attach(Options(("a", "https://a.example.com")));
        _pool.ReleaseAllExcept(second.Values);

        Assert.Same(first["a"], second["a"]);
        Assert.False(second["a"].IsReleased);
        Assert.True(first["b"].IsReleased);
        Assert.Equal([second["a"]], _pool.Managers);
    }

    [Fact]
    public void ChangedDefinition_GetsANewManager_AndTheOldOneIsReleased()
    {
        var first = Attach(Options(("a", "https://a.example.com")));
        _pool.ReleaseAllExcept(first.Values);

        var second = Attach(Options(("a", Issuer("https://a.example.com") with { FetchTimeout = TimeSpan.FromSeconds(3) })));
        _pool.ReleaseAllExcept(second.Values);

        Assert.NotSame(first["a"], second["a"]);
        Assert.True(first["a"].IsReleased);
        Assert.False(second["a"].IsReleased);
    }

    [Fact]
    public void ReleasedManager_NoLongerReceivesChangeNotices()
    {
        var first = Attach(Options(("a", "https://a.example.com"), ("b", "https://b.example.com")));
        _pool.ReleaseAllExcept(first.Values);
        var address = KeyManagerPool.DiscoveryAddress("https://b.example.com");

        _store.Notify("b", address);
        Assert.Equal(1, _store.Reads); // a live manager reads the shared entry it was told of

        _pool.ReleaseAllExcept(Attach(Options(("a", "https://a.example.com"))).Values);
        _store.Notify("b", address);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public void AnAttachThatIsNotApplied_IsUndoneByReleasingAllButTheActiveManagers()
    {
        var active = Attach(Options(("a", "https://a.example.com")));
        _pool.ReleaseAllExcept(active.Values);

        // A configuration that failed to compile after its attach: the snapshot manager keeps the active managers only.
        var abandoned = Attach(Options(("a", "https://a.example.com"), ("c", "https://c.example.com")));
        _pool.ReleaseAllExcept(active.Values);

        Assert.True(abandoned["c"].IsReleased);
        Assert.False(active["a"].IsReleased);
        Assert.Same(active["a"], abandoned["a"]);
    }

    [Fact]
    public void DisposingThePool_ReleasesEveryManager_AndUnsubscribes()
    {
        var attached = Attach(Options(("a", "https://a.example.com")));
        _pool.Dispose();

        Assert.True(attached["a"].IsReleased);
        Assert.False(_store.HasSubscribers);
    }
}
