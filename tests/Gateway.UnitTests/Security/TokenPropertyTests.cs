using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsCheck;
using Gateway.Keys;
using Gateway.Tokens;
using Gateway.UnitTests.Configuration;
using Gateway.UnitTests.Tokens;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Security;

/// <summary>
/// Property-based tests (CsCheck) of the validator: random and mutated tokens never make it throw, and nothing
/// is accepted unless its exact bytes were signed by a trusted key. No network: the keys are served from memory.
/// </summary>
public sealed class TokenPropertyTests
{
    private const string Issuer = "https://issuer.test";
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly SigningKey Rsa = SigningKey.CreateRsa("rsa-1");
    private static readonly SigningKey Ec = SigningKey.CreateEc("ec-1");
    private static readonly Ed25519TestKey Ed = Ed25519TestKey.Create("ed-1");
    private static readonly SigningKey Untrusted = SigningKey.CreateRsa("rsa-1"); // the trusted one's kid, another key
    private static readonly TimeProvider Clock = TokenClock.Create();
    private static readonly IssuerRegistry Issuers = CreateIssuers();
    private static readonly TokenValidator Validator = new(Issuers, 8192, time: Clock);

    private static readonly Gen<string> TokenChars = Gen.Char[Base64UrlAlphabet + "."].Array[0, 400].Select(c => new string(c));

    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 300];

    [Fact]
    public async Task RandomTokens_NeverThrow_AndAreNeverValid()
    {
        await Gen.OneOf(TokenChars, AnyText).SampleAsync(async token =>
        {
            var outcome = await ValidateAsync(token);
            Assert.NotEqual(TokenStatus.Valid, outcome.Status);
        }, iter: 3000);
    }

    [Fact]
    public async Task RandomJsonSignedByATrustedKey_NeverThrows_AndIsValidOnlyWhenWellFormed()
    {
        // Random header extras and random payloads, really signed: the validator may accept only a payload that
        // is an object with a fitting iss/aud/exp, which the generator produces only by chance (never a crash).
        var members = Gen.Select(Gen.OneOf(Gen.Const("iss"), Gen.Const("exp"), Gen.Const("sub"), Gen.Const("crit"), Gen.Const("b64"), Gen.Const("kid"), Gen.Const("typ"), Gen.String[Gen.Char.AlphaNumeric, 1, 5]), JsonValue(3));
        var json = members.Array[0, 6].Select(m => "{" + string.Join(",", m.Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}");
        await Gen.Select(json, json, Gen.Int[0, 2]).SampleAsync(async (extraHeader, payload, signer) =>
        {
            var header = "{\"alg\":\"" + (signer == 0 ? "RS256\",\"kid\":\"rsa-1\"" : signer == 1 ? "ES256\"" : "EdDSA\",\"kid\":\"ed-1\"") + (extraHeader.Length > 2 ? "," + extraHeader[1..] : "}");
            var token = signer == 2 ? Ed.SignRaw(header, payload) : RawJwt.SignRaw(header, payload, signer == 0 ? Rsa : Ec);
            _ = await ValidateAsync(token); // must not throw
        }, iter: 500);
    }

    [Fact]
    public async Task MutatedTokens_NeverThrow_AndAreAcceptedOnlyWhenTheSignedBytesAreUnchanged()
    {
        var originals = new[] { Mint(Rsa), Mint(Ec), MintEd() };
        foreach (var original in originals)
        {
            Assert.Equal(TokenStatus.Valid, (await ValidateAsync(original)).Status);
        }

        var mutation = Gen.Select(Gen.Int[0, originals.Length - 1], Gen.Int[0, 4], Gen.Int[0, 10_000], Gen.Char[Base64UrlAlphabet + ".=+/ "]);
        await mutation.SampleAsync(async (which, kind, position, c) =>
        {
            var original = originals[which];
            var at = position % original.Length;
            var mutated = kind switch
            {
                0 => original[..at] + c + original[(at + 1)..],                   // replace a character
                1 => original[..at] + c + original[at..],                         // insert one
                2 => original.Remove(at, 1),                                      // delete one
                3 => SwapSegments(original, position),                            // reorder the parts
                _ => original[..at] + original[at..].ToUpperInvariant(),           // change case from here
            };
            if ((await ValidateAsync(mutated)).Status == TokenStatus.Valid)
            {
                Assert.Equal(DecodedParts(original), DecodedParts(mutated));
            }
        }, iter: 3000);
    }

    [Fact]
    public async Task TokensSignedByAnUntrustedKey_AreNeverValid_WhateverTheClaims()
    {
        await Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.Long[0, 4_000_000_000]).SampleAsync(async (sub, exp) =>
        {
            var token = RawJwt.SignRaw("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", Payload(sub, TokenClock.Start.AddMinutes(5).ToUnixTimeSeconds()), Untrusted);
            Assert.NotEqual(TokenStatus.Valid, (await ValidateAsync(token)).Status);
            var noKid = RawJwt.SignRaw("{\"alg\":\"RS256\"}", Payload(sub, exp), Untrusted);
            Assert.NotEqual(TokenStatus.Valid, (await ValidateAsync(noKid)).Status);
        }, iter: 200);
    }

    private static Gen<string> JsonValue(int depth) => depth == 0
        ? Gen.OneOf(Gen.Const("null"), Gen.Const("true"), Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.String.Select(s => JsonSerializer.Serialize(s)))
        : Gen.OneOf(JsonValue(0), JsonValue(depth - 1).Array[0, 3].Select(a => "[" + string.Join(",", a) + "]"));

    private static string SwapSegments(string token, int seed)
    {
        var parts = token.Split('.');
        return parts.Length != 3 ? token : (seed % 3) switch
        {
            0 => $"{parts[1]}.{parts[0]}.{parts[2]}",
            1 => $"{parts[0]}.{parts[0]}.{parts[2]}",
            _ => $"{parts[0]}.{parts[1]}.{parts[1]}",
        };
    }

    private static (string, string, string) DecodedParts(string token)
    {
        var parts = token.Split('.');
        return (Hex(parts[0]), Hex(parts[1]), Hex(parts[2]));
        static string Hex(string part) => Convert.ToHexString(Base64UrlEncoder.DecodeBytes(part));
    }

    private static string Payload(string sub, long exp) =>
        $"{{\"iss\":\"{Issuer}\",\"aud\":\"api\",\"sub\":{JsonSerializer.Serialize(sub)},\"exp\":{exp}}}";

    private static string Mint(SigningKey key) =>
        RawJwt.SignRaw($"{{\"alg\":\"{(key == Ec ? "ES256" : "RS256")}\",\"kid\":\"{key.Kid}\"}}", Payload("alice", TokenClock.Expiry.ToUnixTimeSeconds()), key);

    private static string MintEd() => Ed.SignRaw("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", Payload("alice", TokenClock.Expiry.ToUnixTimeSeconds()));

    private static ValueTask<TokenValidationOutcome> ValidateAsync(string token) => Validator.ValidateAsync(token, CancellationToken.None);

    private static IssuerRegistry CreateIssuers()
    {
        var jwks = JsonSerializer.Serialize(new { keys = new[] { Rsa.PublicJwk(), Ec.PublicJwk(), Ed.PublicJwk() } });
        var settings = new KeySourceSettings("test", "memory:test", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(1), TimeSpan.FromHours(1), TimeSpan.FromSeconds(5), TimeSpan.FromDays(1), TimeSpan.FromSeconds(1));
        var keys = new IssuerKeyManager(settings, new CountingFetcher(jwks, Clock), MemoryOnlyKeyStore.Instance, Clock, NullLogger.Instance);
        var algorithms = new[] { "RS256", "ES256", "EdDSA" };
        return new IssuerRegistry([new IssuerProvider("test", Issuer, ["api"], true, algorithms, TimeSpan.FromSeconds(60), ClaimPath.Parse("roles"), keys)]);
    }
}
