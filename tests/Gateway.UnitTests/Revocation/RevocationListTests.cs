using System.Text.Json;
using Gateway.Configuration;
using Gateway.Revocation;
using Gateway.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Revocation;

/// <summary>The in-memory check and the rules that give each revocation its lifetime, on a manual clock.</summary>
public sealed class RevocationListTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _clock.GetUtcNow();

    private static TokenClaims Claims(object payload) => new(JsonSerializer.SerializeToElement(payload));

    private RevocationEntry Entry(RevocationKind kind, string? issuer, string value, TimeSpan lifetime, DateTimeOffset? before = null) =>
        new(kind, issuer, value, before, Now + lifetime, Now);

    [Fact]
    public void Jti_OfOneIssuer_OrOfAnyIssuer()
    {
        var list = new RevocationList(_clock);
        list.AddLocal(Entry(RevocationKind.TokenId, "corp", "t1", TimeSpan.FromHours(1)));
        list.AddLocal(Entry(RevocationKind.TokenId, null, "t2", TimeSpan.FromHours(1)));

        Assert.True(list.IsRevoked("corp", Claims(new { jti = "t1" })));
        Assert.False(list.IsRevoked("partner", Claims(new { jti = "t1" })));
        Assert.True(list.IsRevoked("partner", Claims(new { jti = "t2" })));
        Assert.False(list.IsRevoked("corp", Claims(new { jti = "t3", sub = "t1" })));
    }

    [Fact]
    public void Subject_RefusesTokensIssuedBeforeTheCutoff_AndTokensWithoutIat()
    {
        var list = new RevocationList(_clock);
        list.AddLocal(Entry(RevocationKind.Subject, "corp", "alice", TimeSpan.FromHours(1), before: Now));

        Assert.True(list.IsRevoked("corp", Claims(new { sub = "alice", iat = Now.AddSeconds(-1).ToUnixTimeSeconds() })));
        Assert.False(list.IsRevoked("corp", Claims(new { sub = "alice", iat = Now.ToUnixTimeSeconds() })));
        Assert.True(list.IsRevoked("corp", Claims(new { sub = "alice" })));
        Assert.False(list.IsRevoked("partner", Claims(new { sub = "alice", iat = 0 })));
        Assert.False(list.IsRevoked("corp", Claims(new { sub = "bob", iat = 0 })));
    }

    [Fact]
    public void Session_ById()
    {
        var list = new RevocationList(_clock);
        list.AddLocal(Entry(RevocationKind.Session, null, "s1", TimeSpan.FromHours(1)));

        Assert.True(list.IsRevoked("corp", Claims(new { sid = "s1", sub = "alice" })));
        Assert.False(list.IsRevoked("corp", Claims(new { sid = "s2", sub = "alice" })));
    }

    [Fact]
    public void AnEntry_StopsMatchingAtItsExpiry_AndIsPurged()
    {
        var list = new RevocationList(_clock);
        list.AddLocal(Entry(RevocationKind.TokenId, null, "t1", TimeSpan.FromMinutes(10)));
        var token = Claims(new { jti = "t1" });
        Assert.True(list.IsRevoked("corp", token));

        _clock.Advance(TimeSpan.FromMinutes(10));

        Assert.False(list.IsRevoked("corp", token));
        Assert.Equal(1, list.Current.Count);
        list.Purge();
        Assert.Same(RevocationSet.Empty, list.Current);
    }

    [Fact]
    public void Synchronisation_ReplacesSharedEntries_AndKeepsLocalOnes()
    {
        var list = new RevocationList(_clock);
        list.AddLocal(Entry(RevocationKind.TokenId, null, "local", TimeSpan.FromHours(1)));
        list.AddShared(Entry(RevocationKind.TokenId, null, "old-shared", TimeSpan.FromHours(1)));

        list.ReplaceShared([Entry(RevocationKind.TokenId, null, "new-shared", TimeSpan.FromHours(1))]);

        Assert.True(list.IsRevoked("corp", Claims(new { jti = "local" })));
        Assert.True(list.IsRevoked("corp", Claims(new { jti = "new-shared" })));
        Assert.False(list.IsRevoked("corp", Claims(new { jti = "old-shared" })));
    }

    [Fact]
    public void TheCheck_AllocatesNothing_EmptyOrWithTenThousandEntries()
    {
        var list = new RevocationList(_clock);
        var token = Claims(new { jti = "mine", sub = "alice", sid = "s", iat = Now.ToUnixTimeSeconds() });
        _ = token.Identifiers;
        Assert.Equal(0, AllocatedBy(() => list.IsRevoked("corp", token)));

        // One synchronisation of ten thousand shared entries (as from Redis): adding them one by one would rebuild the
        // published set ten thousand times, which only costs the test time.
        var others = Enumerable.Range(0, 10_000).Select(i =>
        {
            var kind = (RevocationKind)(i % 3);
            return Entry(kind, "corp", "other-" + i, TimeSpan.FromHours(1), kind == RevocationKind.Subject ? Now : null);
        });
        list.ReplaceShared(others);
        Assert.Equal(10_000, list.Current.Count);

        list.AddShared(Entry(RevocationKind.Subject, "corp", "alice", TimeSpan.FromHours(1), Now.AddHours(-1)));
        Assert.False(list.IsRevoked("corp", token));
        Assert.Equal(0, AllocatedBy(() => list.IsRevoked("corp", token)));
    }

    private static long AllocatedBy(Func<bool> check)
    {
        check();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            check();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static GatewayOptions Options(TimeSpan? maxLifetime) => new()
    {
        Issuers = new Dictionary<string, IssuerOptions>
        {
            ["corp"] = new() { Authority = "https://idp.example", MaxTokenLifetime = maxLifetime, ClockSkew = TimeSpan.FromMinutes(1) },
        },
        Revocation = new RevocationOptions { DefaultLifetime = TimeSpan.FromHours(24) },
    };

    [Fact]
    public void Request_SubjectCutoff_LastsTheIssuersMaximumTokenLifetimePlusSkew()
    {
        var (entry, error) = new RevocationRequest(RevocationKind.Subject, "alice", "CORP", Now.AddMinutes(-5), null).ToEntry(Options(TimeSpan.FromHours(1)), Now);

        Assert.Null(error);
        Assert.Equal("corp", entry!.Issuer); // the configured spelling
        Assert.Equal(Now.AddMinutes(-5) + TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1), entry.ExpiresAt);
    }

    [Fact]
    public void Request_Jti_LastsUntilTheTokensExpPlusSkew_OrTheDefaultLifetime()
    {
        var (withExp, _) = new RevocationRequest(RevocationKind.TokenId, "t1", "corp", null, Now.AddMinutes(30)).ToEntry(Options(null), Now);
        var (withoutExp, _) = new RevocationRequest(RevocationKind.TokenId, "t1", null, null, null).ToEntry(Options(null), Now);

        Assert.Equal(Now.AddMinutes(31), withExp!.ExpiresAt);
        Assert.Equal(Now + TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1), withoutExp!.ExpiresAt);
    }

    [Theory]
    [InlineData(RevocationKind.Subject, null, "names its issuer")]
    [InlineData(RevocationKind.TokenId, "nobody", "no issuer named 'nobody'")]
    [InlineData(RevocationKind.TokenId, "", "1 to 1024 characters")]
    public void Request_Errors(object kindValue, string? issuer, string expected)
    {
        var kind = (RevocationKind)kindValue;
        var value = issuer == "" ? "" : "x";
        var (entry, error) = new RevocationRequest(kind, value, issuer == "" ? null : issuer, null, null).ToEntry(Options(null), Now);

        Assert.Null(entry);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Request_CutoffInTheFuture_OrLongExpired_IsRefused()
    {
        Assert.Contains("in the future", new RevocationRequest(RevocationKind.Subject, "a", "corp", Now.AddHours(1), null).ToEntry(Options(null), Now).Error);
        Assert.Contains("already expired", new RevocationRequest(RevocationKind.Subject, "a", "corp", Now.AddDays(-2), null).ToEntry(Options(TimeSpan.FromHours(1)), Now).Error);
    }
}
