using Gateway.Keys;
using Gateway.Redis;

namespace Gateway.Tests.Keys;

public sealed class KeyCacheUnitTests
{
    private static readonly KeySourceSettings Settings = new(
        "issuer", "https://idp/jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24),
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData(null, 3600)]
    [InlineData(10, 60)]
    [InlineData(600, 600)]
    [InlineData(172800, 86400)]
    public void Lifetime_IsMaxAgeWithinBounds_OrTheDefault(int? maxAgeSeconds, int expectedSeconds)
    {
        var lifetime = Settings.LifetimeFor(maxAgeSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), lifetime);
    }

    [Fact]
    public void Protector_VerifiesItsOwnSignature_AndNothingElse()
    {
        var protector = new KeyEntryProtector("a-shared-secret-of-at-least-32-chars!!");
        var other = new KeyEntryProtector("another-secret-of-at-least-32-chars!!!");
        var mac = protector.Sign("payload");

        Assert.True(protector.Verify("payload", mac));
        Assert.False(protector.Verify("payload2", mac));
        Assert.False(other.Verify("payload", mac));
        Assert.False(protector.Verify("payload", null));
        Assert.False(protector.Verify("payload", "not base64!"));
        Assert.False(protector.Verify("payload", Convert.ToBase64String(new byte[16])));
    }

    [Fact]
    public void UnknownKidCache_ExpiresEntries_AndStaysBounded()
    {
        var cache = new UnknownKidCache();
        var now = DateTimeOffset.UtcNow;
        cache.Add("gone", now.AddSeconds(-1));
        cache.Add("kept", now.AddSeconds(30));
        Assert.False(cache.Contains("gone", now));
        Assert.True(cache.Contains("kept", now));

        for (var i = 0; i < UnknownKidCache.Capacity * 3; i++)
        {
            cache.Add("flood-" + i, now.AddSeconds(30));
        }

        Assert.False(cache.Contains("flood-0", now)); // cleared when full: memory stays bounded
    }

    [Fact]
    public void KeySet_DropsEncryptionAndSymmetricKeys()
    {
        var json = """
        {"keys":[
          {"kty":"RSA","kid":"sig","use":"sig","n":"sXch","e":"AQAB"},
          {"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"},
          {"kty":"oct","kid":"hmac","k":"c2VjcmV0"}
        ]}
        """;
        var set = new IssuerKeySet(new Microsoft.IdentityModel.Tokens.JsonWebKeySet(json).Keys.ToArray(), DateTimeOffset.UtcNow, KeySetSource.IdentityProvider);

        Assert.Equal(["sig"], set.ById.Keys.ToArray());
    }
}
