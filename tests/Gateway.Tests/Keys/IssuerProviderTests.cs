using Gateway.Keys;
using Gateway.Tests.Infrastructure;
using Gateway.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Keys;

public sealed class IssuerProviderTests
{
    /// <summary>
    /// Two key sets in use at once (a request that read the old set, another the new one) swap the
    /// cached validation parameters back and forth; every caller must get the parameters of the set
    /// it asked for, never the other set's (a torn read of a (keys, parameters) pair would).
    /// </summary>
    [Fact]
    public async Task ParametersFor_UnderConcurrentSwaps_AlwaysMatchTheKeySetAskedFor()
    {
        var settings = new KeySourceSettings("i", "https://idp.example/jwks", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromHours(24), TimeSpan.FromSeconds(2));
        var manager = new IssuerKeyManager(settings, null!, MemoryOnlyKeyStore.Instance, TimeProvider.System, NullLogger.Instance);
        var policy = new IssuerProvider("i", "https://idp.example", ["api"], true, ["RS256"], TimeSpan.Zero, ClaimPath.Parse("roles"), manager);
        var sets = Enumerable.Range(0, 4)
            .Select(i => new IssuerKeySet(new JsonWebKeySet(TestIdentityProvider.JwksJson([TestIdentityProvider.CreateUnpublishedRsaKey("k" + i)])).Keys.ToArray(), DateTimeOffset.UtcNow, KeySetSource.IdentityProvider))
            .ToArray();
        var mismatches = 0;
        var deadline = DateTime.UtcNow.AddSeconds(2);

        await Task.WhenAll(sets.Select(set => Task.Run(() =>
        {
            while (DateTime.UtcNow < deadline)
            {
                for (var i = 0; i < 1000; i++)
                {
                    if (!ReferenceEquals(policy.ParametersFor(set).IssuerSigningKeys, set.Keys))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        })));

        Assert.Equal(0, mismatches);
    }
}
