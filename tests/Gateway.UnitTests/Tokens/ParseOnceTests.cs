using System.Text.Json;
using Gateway.Keys;
using Gateway.Tokens;
using Gateway.Tokens.EdDsa;
using Gateway.UnitTests.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Tokens;

/// <summary>
/// A cache miss reads the claims from the payload the shape inspection parsed (no second decode and parse): the claims
/// are the verified payload, nothing less and nothing more, and the payload rules of the claim reader still hold.
/// </summary>
public sealed class ParseOnceTests
{
    private const string Issuer = "https://idp.parse-once.test";
    private static readonly SigningKey Rsa = SigningKey.CreateRsa("rsa-1");
    private static readonly Ed25519TestKey Ed = Ed25519TestKey.Create("ed-1");

    [Fact]
    public async Task Claims_AreTheVerifiedPayload()
    {
        var payload = $"{{\"iss\":\"{Issuer}\",\"aud\":\"api\",\"sub\":\"alice\",\"roles\":[\"admin\"],\"nested\":{{\"a\":[1,{{\"b\":\"c\"}}]}},\"exp\":{Exp()}}}";
        var outcome = await ValidateAsync(Validator(), RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", payload, Rsa));

        Assert.True(outcome.IsValid, outcome.Status.ToString());
        Assert.Equal(JsonDocument.Parse(payload).RootElement.GetRawText(), outcome.Claims!.Payload.GetRawText());
        Assert.Equal("alice", outcome.Claims.Subject);
        Assert.True(outcome.Claims.HasRole(ClaimPath.Parse("roles"), "admin"));
    }

    [Theory]
    [InlineData(31, true)] // 32 nested containers, counting the payload object
    [InlineData(32, false)]
    public async Task Claims_NestDeeperThan32_AreMalformed_EvenWhenMaxClaimDepthAllowsMore(int depth, bool valid)
    {
        var nested = new string('[', depth) + new string(']', depth);
        var payload = $"{{\"iss\":\"{Issuer}\",\"aud\":\"api\",\"sub\":\"alice\",\"deep\":{nested},\"exp\":{Exp()}}}";
        var outcome = await ValidateAsync(Validator(maxDepth: 64), RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", payload, Rsa));

        Assert.Equal(valid ? TokenStatus.Valid : TokenStatus.Malformed, outcome.Status);
    }

    [Fact]
    public async Task Payload_WithALoneSurrogate_IsMalformed()
    {
        var payload = $"{{\"iss\":\"{Issuer}\",\"aud\":\"api\",\"sub\":\"\\ud800\",\"exp\":{Exp()}}}";
        var outcome = await ValidateAsync(Validator(), RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", payload, Rsa));

        Assert.Equal(TokenStatus.Malformed, outcome.Status);
    }

    [Fact]
    public void EdDsa_PublicKey_IsDecodedOncePerKeyObject_AndFollowsItsX()
    {
        var key = new JsonWebKey { Kty = "OKP", Crv = "Ed25519", X = Base64UrlEncoder.Encode(Ed.PublicKey) };
        var first = EdDsaCryptoProvider.PublicKeyOf(key);

        Assert.NotNull(first);
        Assert.Same(first, EdDsaCryptoProvider.PublicKeyOf(key));

        key.X = Base64UrlEncoder.Encode(new byte[31]); // not 32 bytes: no longer an Ed25519 public key
        Assert.Null(EdDsaCryptoProvider.PublicKeyOf(key));
        Assert.False(EdDsaCryptoProvider.IsEd25519PublicKey(key));
    }

    [Fact]
    public async Task EdDsa_Tokens_StillVerify_AndForgeriesStillFail()
    {
        var validator = Validator();
        var payload = $"{{\"iss\":\"{Issuer}\",\"aud\":\"api\",\"sub\":\"alice\",\"exp\":{Exp()}}}";
        var token = Ed.SignRaw("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", payload);
        var forged = Ed25519TestKey.Create("ed-1").SignRaw("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", payload);

        for (var i = 0; i < 3; i++) // the second and third use the decoded key
        {
            Assert.Equal(TokenStatus.Valid, (await ValidateAsync(validator, token)).Status);
            Assert.Equal(TokenStatus.BadSignature, (await ValidateAsync(validator, forged)).Status);
        }
    }

    private static long Exp() => TokenClock.Expiry.ToUnixTimeSeconds();

    private static ValueTask<TokenValidationOutcome> ValidateAsync(TokenValidator validator, string token) =>
        validator.ValidateAsync(token, CancellationToken.None);

    private static TokenValidator Validator(int maxDepth = 16)
    {
        var jwks = JsonSerializer.Serialize(new { keys = new[] { Rsa.PublicJwk(), Ed.PublicJwk() } });
        var settings = new KeySourceSettings("test", "memory:test", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(1), TimeSpan.FromHours(1), TimeSpan.FromSeconds(5), TimeSpan.FromDays(1), TimeSpan.FromSeconds(1));
        var clock = TokenClock.Create();
        var keys = new IssuerKeyManager(settings, new CountingFetcher(jwks, clock), MemoryOnlyKeyStore.Instance, clock, NullLogger.Instance);
        var shape = TokenShapeRules.Default with { MaxDepth = maxDepth, ClockSkew = TimeSpan.FromSeconds(60) };
        var issuer = new IssuerProvider("test", Issuer, ["api"], true, ["RS256", "EdDSA"], TimeSpan.FromSeconds(60), ClaimPath.Parse("roles"), keys, shape);
        return new TokenValidator(new IssuerRegistry([issuer]), 65536, time: clock);
    }
}
