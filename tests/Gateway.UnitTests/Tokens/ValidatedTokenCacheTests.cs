using System.Text.Json;
using Gateway.Keys;
using Gateway.Tokens;
using Gateway.UnitTests.Keys;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Tokens;

/// <summary>The validated-token cache on its own and with the validator: what it serves, and every way an entry stops being served.</summary>
public sealed class ValidatedTokenCacheTests
{
    private const string Iss = "https://idp.example.test";
    private readonly FakeTimeProvider _clock = TokenClock.Create();
    private readonly ScriptedOrigin _fetcher;
    private readonly SigningKey _key = SigningKey.CreateRsa("k1");
    private readonly IssuerKeyManager _keys;
    private readonly IssuerRegistry _issuers;

    public ValidatedTokenCacheTests()
    {
        _fetcher = new ScriptedOrigin(_clock) { Jwks = SigningKey.Jwks([_key]) };
        var settings = new KeySourceSettings("main", "test:jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(1));
        _keys = new IssuerKeyManager(settings, _fetcher, MemoryOnlyKeyStore.Instance, _clock, NullLogger.Instance);
        _issuers = Registry();
    }

    private IssuerRegistry Registry(string audience = "api") =>
        new([new IssuerProvider("main", Iss, [audience], true, ["RS256"], TimeSpan.Zero, ClaimPath.Parse("roles"), _keys)]);

    private ValidatedTokenCache Cache(int maxEntries = 100) => new(maxEntries, TimeSpan.FromMinutes(10), _clock);

    private string Mint(TimeSpan? lifetime = null, string audience = "api", SigningKey? key = null)
    {
        // iat, not nbf: JsonWebTokenHandler would check an nbf against the wall clock (TokenClock); iat is checked on _clock.
        var now = _clock.GetUtcNow();
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Iss, ["aud"] = audience, ["sub"] = "alice", ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.AddSeconds(-5).ToUnixTimeSeconds(), ["exp"] = now.Add(lifetime ?? TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
        });
        return new JsonWebTokenHandler().CreateToken(payload, new SigningCredentials((key ?? _key).SecurityKey, SecurityAlgorithms.RsaSha256));
    }

    private ValueTask<TokenValidationOutcome> ValidateAsync(string token, ValidatedTokenCache? cache, IssuerRegistry? issuers = null) =>
        new TokenValidator(issuers ?? _issuers, 8192, cache, _clock).ValidateAsync(token.AsMemory(), CancellationToken.None);

    private static TokenHash Hash(string token) => TokenHash.TryCompute(token, out var hash) ? hash : throw new InvalidOperationException();

    [Fact]
    public async Task RepeatedToken_IsServedFromTheCache_Synchronously()
    {
        var cache = Cache();
        var token = Mint();

        var first = await ValidateAsync(token, cache);
        var pending = ValidateAsync(token, cache);
        var completedSynchronously = pending.IsCompletedSuccessfully;
        var second = await pending;

        Assert.True(first.IsValid);
        Assert.True(completedSynchronously);
        Assert.Same(first, second);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Entry_IsNotServed_AtOrAfterTheTokensExp()
    {
        var cache = Cache();
        var token = Mint(lifetime: TimeSpan.FromSeconds(30));
        Assert.True((await ValidateAsync(token, cache)).IsValid);
        var exp = DateTimeOffset.FromUnixTimeSeconds(new JsonWebToken(token).GetPayloadValue<long>("exp"));

        _clock.SetUtcNow(exp.AddTicks(-1));
        Assert.True(cache.TryGet(Hash(token), _issuers, out _));

        _clock.SetUtcNow(exp);
        Assert.False(cache.TryGet(Hash(token), _issuers, out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Entry_IsNotServed_PastMaxEntryLifetime()
    {
        var cache = new ValidatedTokenCache(100, TimeSpan.FromSeconds(10), _clock);
        var token = Mint();
        Assert.True((await ValidateAsync(token, cache)).IsValid);

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.False(cache.TryGet(Hash(token), _issuers, out _));
    }

    [Fact]
    public async Task KeyChange_InvalidatesEntries_EvenWhenTheSigningKeyIsStillPublished()
    {
        var cache = Cache();
        var token = Mint();
        Assert.True((await ValidateAsync(token, cache)).IsValid);
        var before = _keys.Current;

        // Any new key set (here: an unknown kid makes the manager load the JWKS again) ends every entry of the issuer.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _keys.RefreshForUnknownKidAsync("k2", CancellationToken.None);
        Assert.NotSame(before, _keys.Current);

        Assert.False(cache.TryGet(Hash(token), _issuers, out _));
        Assert.True((await ValidateAsync(token, cache)).IsValid); // validated again in full, with the new set
        Assert.True(cache.TryGet(Hash(token), _issuers, out _));
    }

    [Fact]
    public async Task KeyRemoved_CachedTokenIsRefused()
    {
        var cache = Cache();
        var token = Mint();
        Assert.True((await ValidateAsync(token, cache)).IsValid);

        _fetcher.Jwks = SigningKey.Jwks([SigningKey.CreateRsa("k2")]);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _keys.RefreshForUnknownKidAsync("k2", CancellationToken.None);

        var outcome = await ValidateAsync(token, cache);
        Assert.Equal(TokenStatus.UnknownKid, outcome.Status);
    }

    [Fact]
    public async Task NewConfiguration_DoesNotServeEntriesOfTheOldOne()
    {
        var cache = Cache();
        var token = Mint();
        Assert.True((await ValidateAsync(token, cache)).IsValid);

        // Same issuer name and keys, but a new IssuerProvider (a reload) that no longer accepts the audience.
        var reloaded = Registry(audience: "api-v2");

        Assert.False(cache.TryGet(Hash(token), reloaded, out _));
        Assert.Equal(TokenStatus.WrongAudience, (await ValidateAsync(token, cache, reloaded)).Status);
    }

    [Fact]
    public async Task Failures_AreNeverCached()
    {
        var cache = Cache();
        var wrongAudience = Mint(audience: "other");
        var forged = Mint(key: SigningKey.CreateRsa("k1"));

        Assert.Equal(TokenStatus.WrongAudience, (await ValidateAsync(wrongAudience, cache)).Status);
        Assert.Equal(TokenStatus.BadSignature, (await ValidateAsync(forged, cache)).Status);
        Assert.Equal(0, cache.Count);

        // A token refused under one configuration is accepted as soon as the rules allow it: nothing negative was remembered.
        Assert.True((await ValidateAsync(wrongAudience, cache, Registry(audience: "other"))).IsValid);
        Assert.Throws<ArgumentException>(() => cache.Add(Hash(forged), _issuers.All[0], _keys.Current!, TokenValidationOutcome.Failure(TokenStatus.BadSignature), DateTimeOffset.MaxValue));
    }

    [Fact]
    public async Task Flood_OfDistinctTokens_NeverExceedsMaxEntries_AndKeepsHotEntries()
    {
        var cache = Cache(maxEntries: 64);
        var hot = Mint();
        var hotOutcome = await ValidateAsync(hot, cache);
        var keys = _keys.Current!;
        var issuer = _issuers.All[0];

        for (var i = 0; i < 5000; i++)
        {
            Assert.True(cache.TryGet(Hash(hot), _issuers, out _), $"hot entry evicted at {i}");
            cache.Add(Hash($"h.p.{i}"), issuer, keys, hotOutcome, _clock.GetUtcNow().AddMinutes(5));
            Assert.InRange(cache.Count, 1, 64);
        }
    }

    [Fact]
    public async Task Flood_FromManyThreads_StaysBounded()
    {
        var cache = Cache(maxEntries: 100);
        var outcome = await ValidateAsync(Mint(), cache);
        var keys = _keys.Current!;
        var issuer = _issuers.All[0];
        var max = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                cache.Add(Hash($"t{t}.p.{i}"), issuer, keys, outcome, _clock.GetUtcNow().AddMinutes(5));
                var count = cache.Count;
                int seen;
                while (count > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, count, seen) != seen)
                {
                }
            }
        })));

        Assert.InRange(max, 1, 100);
    }

    [Fact]
    public void Hash_OfNonAsciiToken_IsNotComputed()
    {
        Assert.False(TokenHash.TryCompute("a.b.cé", out _));
        Assert.True(TokenHash.TryCompute(new string('a', 10_000), out var longHash));
        Assert.NotEqual(Hash("a.b.c"), Hash("a.b.d"));
        Assert.Equal(Hash("a.b.c"), Hash("a.b.c"));
        Assert.NotEqual(default, longHash);
    }
}
