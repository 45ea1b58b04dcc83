using Gateway.Configuration;
using Gateway.Introspection;
using Gateway.Keys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Configuration;

/// <summary>
/// The one load path: the initial load and every reload read, validate, attach key managers, compile, publish and
/// release through the same steps; a rejected reload changes nothing (last known good), and an issuer that leaves the
/// configuration has its key manager released while an unchanged one keeps its own.
/// </summary>
public sealed class GatewaySnapshotManagerTests : IDisposable
{
    private readonly ConfigurationManager _configuration = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero));
    private readonly KeyManagerPool _pool;
    private readonly InMemoryConfigProvider _proxy = new([], []);
    private readonly GatewaySnapshotManager _manager;
    private int _poolRequests;

    public GatewaySnapshotManagerTests()
    {
        Use(Config("a", "b"));
        _pool = new KeyManagerPool(new NoNetworkHttpClientFactory(), new NoticeOnlyKeyStore(), _time, NullLoggerFactory.Instance, _ => throw new InvalidOperationException("no development issuer here"));
        _manager = new GatewaySnapshotManager(
            _configuration,
            new GatewayConfigLoader(null, "Production"),
            () =>
            {
                _poolRequests++;
                return _pool;
            },
            new TokenIntrospectorFactory(new NoNetworkHttpClientFactory(), NoSharedIntrospectionCache.Instance, _time, NullLoggerFactory.Instance),
            _proxy,
            NullLogger<GatewaySnapshotManager>.Instance,
            _time);
    }

    public void Dispose()
    {
        _manager.Dispose();
        _pool.Dispose();
        _configuration.Dispose();
    }

    // A valid configuration whose issuers are named (each with its own authority), one route under one policy.
    private static Dictionary<string, string?> Config(params string[] issuers)
    {
        var values = new Dictionary<string, string?>
        {
            ["Gateway:Policies:p:Scopes:0"] = "read",
            ["ReverseProxy:Routes:api:ClusterId"] = "backend",
            ["ReverseProxy:Routes:api:Match:Path"] = "/api/{**rest}",
            ["ReverseProxy:Routes:api:Metadata:Policy"] = "p",
            ["ReverseProxy:Clusters:backend:Destinations:b1:Address"] = "https://backend.example.com/",
        };
        foreach (var name in issuers)
        {
            values[$"Gateway:Issuers:{name}:Authority"] = $"https://{name}.example.com";
            values[$"Gateway:Issuers:{name}:Audiences:0"] = "api";
        }

        return values;
    }

    private void Use(Dictionary<string, string?> values)
    {
        _configuration.Sources.Clear();
        _configuration.AddInMemoryCollection(values);
    }

    private IssuerKeyManager KeysOf(string issuer) => _manager.Current.Issuers.ByName[issuer].Keys;

    [Fact]
    public async Task InitialLoad_PublishesTheSnapshotAndYarpsRoutes()
    {
        await _manager.InitialLoadAsync();

        Assert.Equal(["a", "b"], _manager.Current.Issuers.All.Select(i => i.Name).Order());
        Assert.Equal(["api"], _proxy.GetConfig().Routes.Select(r => r.RouteId));
        Assert.Equal(0, _manager.Generation);
        Assert.Equal(_time.GetUtcNow(), _manager.LoadedAt);
        Assert.Equal(2, _pool.Managers.Count);
    }

    [Fact]
    public async Task InitialLoad_OfAnInvalidConfiguration_ThrowsEveryErrorWithItsPath_BeforeAnyKeyManagerExists()
    {
        var invalid = Config("a");
        invalid["Gateway:DefaultPolicy"] = "no-such-policy";
        invalid["Gateway:Issuers:a:Audiences:0"] = null;
        Use(invalid);

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(_manager.InitialLoadAsync);

        Assert.Contains(error.Errors, e => e.Path == "Gateway:DefaultPolicy");
        Assert.True(error.Errors.Count >= 2, string.Join("; ", error.Errors));
        Assert.Equal(0, _poolRequests); // the pool (and with it the Redis connection) is asked for only once valid
        Assert.Throws<InvalidOperationException>(() => _manager.Current);
        Assert.Empty(_proxy.GetConfig().Routes);
    }

    [Fact]
    public async Task Reload_RemovingAnIssuer_ReleasesItsKeyManager_AndTheUnchangedIssuerKeepsItsOwn()
    {
        await _manager.InitialLoadAsync();
        var (a, b) = (KeysOf("a"), KeysOf("b"));

        Use(Config("a"));
        Assert.True(await _manager.ReloadAsync());

        Assert.Equal(1, _manager.Generation);
        Assert.Same(a, KeysOf("a"));
        Assert.False(a.IsReleased);
        Assert.True(b.IsReleased);
        Assert.Equal([a], _pool.Managers);
    }

    [Fact]
    public async Task Reload_AddingTheIssuerBack_GetsAFreshManager()
    {
        await _manager.InitialLoadAsync();
        var b = KeysOf("b");
        Use(Config("a"));
        Assert.True(await _manager.ReloadAsync());

        Use(Config("a", "b"));
        Assert.True(await _manager.ReloadAsync());

        Assert.NotSame(b, KeysOf("b"));
        Assert.False(KeysOf("b").IsReleased);
    }

    [Fact]
    public async Task RejectedReload_KeepsTheLastGoodConfiguration_AndReleasesNothing()
    {
        await _manager.InitialLoadAsync();
        var before = _manager.Current;
        var (a, b) = (KeysOf("a"), KeysOf("b"));

        var invalid = Config("a");
        invalid["Gateway:DefaultPolicy"] = "no-such-policy";
        Use(invalid);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await _manager.ReloadAsync());

        Assert.Same(before, _manager.Current);
        Assert.Equal(0, _manager.Generation);
        Assert.NotNull(_manager.LastRejected);
        Assert.Equal(_time.GetUtcNow(), _manager.LastRejected.At);
        Assert.Contains(_manager.LastRejected.Errors, e => e.StartsWith("Gateway:DefaultPolicy:", StringComparison.Ordinal));
        Assert.False(a.IsReleased);
        Assert.False(b.IsReleased);
        Assert.Equal(2, _pool.Managers.Count);
    }

    [Fact]
    public async Task ARequestMatchedBeforeTheReload_IsStillJudgedUnderTheReplacedSnapshot()
    {
        await _manager.InitialLoadAsync();
        var before = _manager.Current;
        var route = _proxy.GetConfig().Routes.Single();
        var cluster = _proxy.GetConfig().Clusters.Single();

        var moved = Config("a");
        moved["ReverseProxy:Routes:api:Match:Path"] = "/v2/{**rest}";
        Use(moved);
        Assert.True(await _manager.ReloadAsync());

        Assert.NotNull(_manager.Bind(route, cluster, out var judgedUnder));
        Assert.Same(before, judgedUnder);
    }
}
