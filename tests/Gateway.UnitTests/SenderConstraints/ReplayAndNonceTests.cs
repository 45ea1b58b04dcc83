using Gateway.SenderConstraints;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.SenderConstraints;

/// <summary>The bounded in-memory replay store and the stateless nonces, on a manual clock.</summary>
public sealed class ReplayAndNonceTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Memory_RefusesAReplay_UntilTheRetentionEnded()
    {
        var time = new FakeTimeProvider(Start);
        var cache = new MemoryDpopReplayCache(10, time);

        Assert.Equal(ReplayCheck.First, cache.TryUse(1, Retention));
        Assert.Equal(ReplayCheck.Replayed, cache.TryUse(1, Retention));
        time.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(ReplayCheck.Replayed, cache.TryUse(1, Retention));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ReplayCheck.First, cache.TryUse(1, Retention));
    }

    [Fact]
    public void Memory_NeverHoldsMoreThanItsBound_AndFailsClosedWhenFull()
    {
        var time = new FakeTimeProvider(Start);
        var cache = new MemoryDpopReplayCache(3, time);
        for (UInt128 id = 0; id < 3; id++)
        {
            Assert.Equal(ReplayCheck.First, cache.TryUse(id, Retention));
        }

        Assert.Equal(ReplayCheck.Unavailable, cache.TryUse(3, Retention)); // full of ids still retained: never forget one early
        Assert.Equal(3, cache.Count);
        Assert.Equal(ReplayCheck.Replayed, cache.TryUse(0, Retention));

        time.Advance(Retention + TimeSpan.FromSeconds(1));
        Assert.Equal(ReplayCheck.First, cache.TryUse(3, Retention)); // the expired ones were swept
        Assert.True(cache.Count <= 3);
    }

    [Fact]
    public void Memory_ConcurrentUsesOfOneId_AcceptExactlyOne()
    {
        var cache = new MemoryDpopReplayCache(1000, new FakeTimeProvider(Start));
        var results = new ReplayCheck[64];
        Parallel.For(0, results.Length, i => results[i] = cache.TryUse(42, Retention));

        Assert.Single(results, r => r == ReplayCheck.First);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Nonce_IsValid_ForItsLifetime_AndOnlyWithTheKey()
    {
        var now = Start;
        var nonces = new DpopNonces("nonce-key-0123456789abcdef0123456789", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5));
        var other = new DpopNonces("another-key-0123456789abcdef01234567", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5));
        var nonce = nonces.Issue(now);

        Assert.True(nonces.IsValid(nonce, now.AddMinutes(4), out var age));
        Assert.InRange(age, TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1));
        Assert.True(nonces.ShouldRefresh(age));
        Assert.False(nonces.IsValid(nonce, now.AddMinutes(6), out _));
        Assert.False(nonces.IsValid(nonce, now.AddMinutes(-1), out _));
        Assert.False(other.IsValid(nonce, now, out _));
        Assert.False(nonces.IsValid(nonce[..^1] + (nonce[^1] == 'A' ? 'B' : 'A'), now, out _));
        Assert.False(nonces.IsValid("short", now, out _));
        Assert.False(nonces.IsValid(null, now, out _));
    }

    [Fact]
    public void ProofKeys_AreImportedOncePerThumbprint_AndBounded()
    {
        var cache = new ProofKeyCache(maxEntries: 3);
        var keys = Enumerable.Range(0, 5).Select(_ => new DpopKey()).ToList();
        try
        {
            var first = cache.GetOrCreate(Jwk(keys[0]), "ES256", keys[0].Thumbprint);
            Assert.Same(first, cache.GetOrCreate(Jwk(keys[0]), "ES256", keys[0].Thumbprint));
            foreach (var key in keys)
            {
                cache.GetOrCreate(Jwk(key), "ES256", key.Thumbprint);
                Assert.InRange(cache.Count, 1, 3);
            }
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    private static Microsoft.IdentityModel.Tokens.JsonWebKey Jwk(DpopKey key) =>
        new(System.Text.Json.JsonSerializer.Serialize(key.PublicJwk()));
}
