using System.Net;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.RateLimiting;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.RateLimiting;

/// <summary>
/// Which requests share a counter: the same values of the key's parts under the same policy, and nothing else. A token
/// lacking a key claim, and an anonymous request, are counted by client address; the values never appear in the key.
/// </summary>
public sealed class RateLimitKeyTests
{
    private static RateLimitPolicy Policy(string name, params string[] key) =>
        new(name, new RateLimitPolicyOptions { Limit = 10, Key = key }, TrustedProxies.None);

    private static DefaultHttpContext From(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
    }

    private static TokenClaims Claims(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    private static string Key(RateLimitPolicy policy, string json, string issuer = "corp", string address = "203.0.113.1") =>
        RateLimitKey.For(policy, From(address), issuer, Claims(json));

    [Fact]
    public void SameValues_SameCounter_WhateverElseTheTokenCarries()
    {
        var policy = Policy("p", "$issuer", "sub");

        Assert.Equal(Key(policy, """{"sub":"alice","jti":"1"}"""), Key(policy, """{"sub":"alice","jti":"2","scope":"x"}""", address: "198.51.100.1"));
        Assert.Matches("^[0-9a-f]{32}$", Key(policy, """{"sub":"alice"}"""));
    }

    [Fact]
    public void AnotherValue_AnotherIssuer_OrAnotherPolicy_AnotherCounter()
    {
        var policy = Policy("p", "$issuer", "sub");
        var alice = Key(policy, """{"sub":"alice"}""");

        Assert.NotEqual(alice, Key(policy, """{"sub":"bob"}"""));
        Assert.NotEqual(alice, Key(policy, """{"sub":"alice"}""", issuer: "partners"));
        Assert.NotEqual(alice, Key(Policy("q", "$issuer", "sub"), """{"sub":"alice"}"""));
    }

    [Fact]
    public void CombinedParts_AreLengthPrefixed_SoNoTwoCombinationsReadTheSame()
    {
        var policy = Policy("p", "org.tenant", "client_id");

        Assert.NotEqual(Key(policy, """{"org":{"tenant":"a|b"},"client_id":"c"}"""), Key(policy, """{"org":{"tenant":"a"},"client_id":"b|c"}"""));
        Assert.NotEqual(Key(policy, """{"org":{"tenant":"ab"},"client_id":"c"}"""), Key(policy, """{"org":{"tenant":"a"},"client_id":"bc"}"""));
    }

    [Fact]
    public void NonStringClaims_AreReadByTheirJsonText()
    {
        var policy = Policy("p", "tenant");

        Assert.Equal(Key(policy, """{"tenant":42}"""), Key(policy, """{"tenant":42}"""));
        Assert.NotEqual(Key(policy, """{"tenant":42}"""), Key(policy, """{"tenant":"42"}"""));
        Assert.NotEqual(Key(policy, """{"tenant":["a","b"]}"""), Key(policy, """{"tenant":["b","a"]}"""));
    }

    [Fact]
    public void MissingOrNullClaim_IsCountedByClientAddress_LikeAnAnonymousRequest()
    {
        var policy = Policy("p", "client_id");
        var fromAddress = RateLimitKey.For(policy, From("203.0.113.1"), null, null);

        Assert.Equal(fromAddress, Key(policy, """{"sub":"alice"}"""));
        Assert.Equal(fromAddress, Key(policy, """{"client_id":null}"""));
        Assert.NotEqual(fromAddress, Key(policy, """{"sub":"alice"}""", address: "203.0.113.2"));
        Assert.NotEqual(fromAddress, Key(policy, """{"client_id":"203.0.113.1"}""")); // a claim never lands in an address's counter
    }

    [Fact]
    public void AnIPv6Client_IsCountedByIts64_SoRotatingAddressesWithinItGainsNothing()
    {
        var policy = Policy("p", "$client_ip");

        Assert.Equal(RateLimitKey.For(policy, From("2001:db8:1:2::1"), null, null), RateLimitKey.For(policy, From("2001:db8:1:2:9:8:7:6"), null, null));
        Assert.NotEqual(RateLimitKey.For(policy, From("2001:db8:1:2::1"), null, null), RateLimitKey.For(policy, From("2001:db8:1:3::1"), null, null));
    }

    [Fact]
    public void ClientAddressPart_CombinesWithClaims()
    {
        var policy = Policy("p", "sub", "$client_ip");

        Assert.NotEqual(Key(policy, """{"sub":"alice"}"""), Key(policy, """{"sub":"alice"}""", address: "203.0.113.2"));
    }

    [Fact]
    public void LocalShare_IsTheLimitDividedByTheReplicas_RoundedUp_AtLeastOne()
    {
        Assert.Equal(34, new RateLimitSettings("p", RateLimitAlgorithm.FixedWindow, 100, TimeSpan.FromSeconds(1), 100, 3).LocalLimit);
        Assert.Equal(1, new RateLimitSettings("p", RateLimitAlgorithm.FixedWindow, 2, TimeSpan.FromSeconds(1), 2, 5).LocalLimit);
        Assert.Equal(7, new RateLimitSettings("p", RateLimitAlgorithm.TokenBucket, 10, TimeSpan.FromSeconds(1), 20, 3).LocalBurst);
    }

    [Fact]
    public void LocalLimiter_AllowsTheShare_ThenRefusesWithRetryAfter_PerPartition()
    {
        using var local = new LocalRateLimiters();
        var settings = new RateLimitSettings("p", RateLimitAlgorithm.FixedWindow, 6, TimeSpan.FromHours(1), 6, 3);

        Assert.True(local.Acquire(settings, "a").Allowed);
        var second = local.Acquire(settings, "a");
        Assert.True(second.Allowed);
        Assert.Equal(0, second.Remaining);
        var refused = local.Acquire(settings, "a");
        Assert.False(refused.Allowed);
        Assert.Equal(RateLimitStore.Local, refused.Store);
        Assert.InRange(refused.Reset, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.True(local.Acquire(settings, "b").Allowed);
    }
}
