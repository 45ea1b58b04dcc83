using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect issuer on a loopback port: discovery and JWKS over HTTP, RSA and EC keys,
/// key rotation, request counters and failure modes (500, hang, malformed JWKS).
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<SigningKey> _published = [];
    private readonly List<Ed25519TestKey> _publishedEd25519 = [];
    private int _discoveryFetches;
    private int _jwksFetches;

    private TestIdentityProvider(WebApplication app)
    {
        _app = app;
    }

    public string BaseAddress { get; private set; } = "";

    /// <summary>The issuer (<c>iss</c>) and OIDC authority: the base address.</summary>
    public string Issuer => BaseAddress;

    public string JwksUri => BaseAddress + "/jwks";

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public IdpFailure Failure { get; set; }

    /// <summary>When set, the JWKS is served with <c>Cache-Control: max-age</c> of this many seconds.</summary>
    public int? JwksMaxAgeSeconds { get; set; }

    /// <summary>When set, every document (discovery and JWKS) is answered only after this delay: a slow identity provider.</summary>
    public TimeSpan? ResponseDelay { get; set; }

    /// <summary>Starts the server on the thread pool, as its own process would run: none of its work runs on the test framework's synchronization context.</summary>
    public static Task<TestIdentityProvider> StartAsync() => Task.Run(StartOnThreadPoolAsync);

    private static async Task<TestIdentityProvider> StartOnThreadPoolAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var idp = new TestIdentityProvider(app);
        app.MapGet("/.well-known/openid-configuration", idp.DiscoveryAsync);
        app.MapGet("/jwks", idp.JwksAsync);
        await app.StartAsync();
        idp.BaseAddress = app.Urls.First().TrimEnd('/');
        idp.AddRsaKey("rsa-1");
        idp.AddEcKey("ec-1");
        idp.AddEd25519Key("ed-1");
        return idp;
    }

    public SigningKey AddRsaKey(string kid, string? use = "sig", string? alg = null)
    {
        var rsa = RSA.Create(2048);
        var key = new SigningKey(kid, new RsaSecurityKey(rsa) { KeyId = kid }, use, alg);
        Publish(key);
        return key;
    }

    /// <summary>
    /// Rotates a new RSA key in until the returned scope is disposed: <c>await using var rotated = Idp.RotateInRsaKey(kid);</c>
    /// withdraws it again when the test ends, passed or failed, instead of a <c>try/finally</c> in every test.
    /// </summary>
    public RotatedKey RotateInRsaKey(string kid, string? use = "sig", string? alg = null) => new(this, AddRsaKey(kid, use, alg));

    public SigningKey AddEcKey(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new SigningKey(kid, new ECDsaSecurityKey(ec) { KeyId = kid }, "sig", null);
        Publish(key);
        return key;
    }

    /// <summary>Publishes an Ed25519 key (kty OKP, RFC 8037); sign with <see cref="Ed25519TestKey.Sign"/>.</summary>
    public Ed25519TestKey AddEd25519Key(string kid)
    {
        var key = Ed25519TestKey.Create(kid);
        lock (_gate)
        {
            _publishedEd25519.RemoveAll(k => k.Kid == kid);
            _publishedEd25519.Add(key);
        }

        return key;
    }

    public Ed25519TestKey Ed25519Key(string kid)
    {
        lock (_gate)
        {
            return _publishedEd25519.Single(k => k.Kid == kid);
        }
    }

    /// <summary>Creates a key that is not published (yet): tokens signed with it have an unknown kid.</summary>
    public static SigningKey CreateUnpublishedRsaKey(string kid) => new(kid, new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid }, "sig", null);

    public void Publish(SigningKey key)
    {
        lock (_gate)
        {
            _published.RemoveAll(k => k.Kid == key.Kid);
            _published.Add(key);
        }
    }

    public void Unpublish(string kid)
    {
        lock (_gate)
        {
            _published.RemoveAll(k => k.Kid == kid);
        }
    }

    public SigningKey Key(string kid)
    {
        lock (_gate)
        {
            return _published.Single(k => k.Kid == kid);
        }
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _discoveryFetches, 0);
        Interlocked.Exchange(ref _jwksFetches, 0);
    }

    /// <summary>A token for this issuer: RS256 with <c>rsa-1</c> unless told otherwise. <paramref name="claims"/> add to or replace the defaults; a null value removes a default claim.</summary>
    public string Mint(IDictionary<string, object?>? claims = null, string kid = "rsa-1", string? alg = null, SigningKey? key = null, string audience = "api")
    {
        var signing = key ?? Key(kid);
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = "alice",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object?>())
        {
            payload[name] = value;
        }

        var algorithm = alg ?? (signing.SecurityKey is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256);
        var json = JsonSerializer.Serialize(payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value));
        var credentials = new SigningCredentials(signing.SecurityKey, algorithm);
        return new JsonWebTokenHandler().CreateToken(json, credentials); // the key's KeyId becomes the kid
    }

    /// <summary>
    /// A sender-constrained token (RFC 7800 <c>cnf</c>): bound to a DPoP key by its thumbprint (<c>jkt</c>, RFC 9449) and/or
    /// to a client certificate by its SHA-256 thumbprint (<c>x5t#S256</c>, RFC 8705).
    /// </summary>
    public string MintBound(string? jkt = null, string? x5tS256 = null, IDictionary<string, object?>? claims = null)
    {
        var cnf = new Dictionary<string, object?>();
        if (jkt is not null)
        {
            cnf["jkt"] = jkt;
        }

        if (x5tS256 is not null)
        {
            cnf["x5t#S256"] = x5tS256;
        }

        var all = new Dictionary<string, object?>(claims ?? new Dictionary<string, object?>()) { ["cnf"] = cnf };
        return Mint(all);
    }

    private async Task DiscoveryAsync(HttpContext context)
    {
        Interlocked.Increment(ref _discoveryFetches);
        if (await FailAsync(context))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = JwksUri,
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        });
    }

    private async Task JwksAsync(HttpContext context)
    {
        Interlocked.Increment(ref _jwksFetches);
        if (await FailAsync(context))
        {
            return;
        }

        if (Failure == IdpFailure.MalformedJwks)
        {
            await context.Response.WriteAsync("{\"keys\": [ {\"kty\": ");
            return;
        }

        if (Failure == IdpFailure.NoSigningKeys)
        {
            // Well-formed, but nothing a token could be verified with: an encryption key and a symmetric key.
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"keys\":[" + JsonSerializer.Serialize((CreateUnpublishedRsaKey("enc-only") with { Use = "enc" }).PublicJwk()) + ",{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"c2VjcmV0\"}]}");
            return;
        }

        List<Dictionary<string, string>> keys;
        lock (_gate)
        {
            keys = [.. _published.Select(k => k.PublicJwk()), .. _publishedEd25519.Select(k => k.PublicJwk())];
        }

        context.Response.ContentType = "application/json";
        if (JwksMaxAgeSeconds is { } maxAge)
        {
            context.Response.Headers.CacheControl = $"public, max-age={maxAge}";
        }

        await context.Response.WriteAsync(JsonSerializer.Serialize(new { keys }));
    }

    public static string JwksJson(IEnumerable<SigningKey> keys) =>
        JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk()).ToArray() });

    private async Task<bool> FailAsync(HttpContext context)
    {
        if (ResponseDelay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        switch (Failure)
        {
            case IdpFailure.ServerError:
                context.Response.StatusCode = 500;
                return true;
            case IdpFailure.Hang:
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return true;
            default:
                return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Failure = IdpFailure.None;
        JwksMaxAgeSeconds = null;
        ResponseDelay = null;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public enum IdpFailure
{
    None,
    ServerError,
    Hang,
    MalformedJwks,
    /// <summary>A well-formed JWKS without a single key that can verify a signature.</summary>
    NoSigningKeys,
}

/// <summary>A signing key of the test issuer, with what it publishes.</summary>
public sealed record SigningKey(string Kid, AsymmetricSecurityKey SecurityKey, string? Use, string? Alg)
{
    public Dictionary<string, string> PublicJwk()
    {
        var jwk = SecurityKey switch
        {
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false))),
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false)))),
            _ => throw new NotSupportedException(),
        };
        var result = new Dictionary<string, string> { ["kty"] = jwk.Kty, ["kid"] = Kid };
        if (Use is not null)
        {
            result["use"] = Use;
        }

        if (Alg is not null)
        {
            result["alg"] = Alg;
        }

        if (jwk.Kty == "RSA")
        {
            result["n"] = jwk.N;
            result["e"] = jwk.E;
        }
        else
        {
            result["crv"] = jwk.Crv;
            result["x"] = jwk.X;
            result["y"] = jwk.Y;
        }

        return result;
    }
}

/// <summary>Builds raw compact JWS strings for hostile cases (alg none, HMAC with a public key, forged headers).</summary>
public static class RawJwt
{
    public static string Encode(object header, object payload, string signature = "") =>
        $"{B64(JsonSerializer.Serialize(header))}.{B64(JsonSerializer.Serialize(payload))}.{signature}";

    public static string B64(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Signs header and payload given as raw JSON text (duplicate members, odd shapes) with an RSA key (RS256) or an EC key (ES256).</summary>
    public static string SignRaw(string headerJson, string payloadJson, SigningKey key)
    {
        var signingInput = Encoding.ASCII.GetBytes($"{B64(headerJson)}.{B64(payloadJson)}");
        var signature = key.SecurityKey switch
        {
            RsaSecurityKey rsa => rsa.Rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsaSecurityKey ec => ec.ECDsa.SignData(signingInput, HashAlgorithmName.SHA256),
            _ => throw new NotSupportedException(),
        };
        return $"{B64(headerJson)}.{B64(payloadJson)}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>Signs with RSA-PSS (PS256).</summary>
    public static string SignPss(string headerJson, string payloadJson, SigningKey key)
    {
        var signingInput = Encoding.ASCII.GetBytes($"{B64(headerJson)}.{B64(payloadJson)}");
        var signature = ((RsaSecurityKey)key.SecurityKey).Rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        return $"{B64(headerJson)}.{B64(payloadJson)}.{Base64UrlEncoder.Encode(signature)}";
    }

    public static string HmacSign(object header, object payload, byte[] secret)
    {
        var signingInput = $"{B64(JsonSerializer.Serialize(header))}.{B64(JsonSerializer.Serialize(payload))}";
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(mac);
    }
}

/// <summary>An Ed25519 key pair of the test issuer (BouncyCastle), published as an OKP JWK.</summary>
public sealed class Ed25519TestKey
{
    private readonly Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters _private;

    private Ed25519TestKey(string kid, Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters privateKey)
    {
        Kid = kid;
        _private = privateKey;
    }

    public string Kid { get; }

    public byte[] PublicKey => _private.GeneratePublicKey().GetEncoded();

    public static Ed25519TestKey Create(string kid) =>
        new(kid, new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()));

    public Dictionary<string, string> PublicJwk() => new()
    {
        ["kty"] = "OKP",
        ["crv"] = "Ed25519",
        ["kid"] = Kid,
        ["use"] = "sig",
        ["x"] = Base64UrlEncoder.Encode(PublicKey),
    };

    public byte[] Sign(byte[] data)
    {
        var signer = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
        signer.Init(true, _private);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>A compact JWS (alg EdDSA) over raw header and payload JSON.</summary>
    public string SignRaw(string headerJson, string payloadJson)
    {
        var signingInput = $"{RawJwt.B64(headerJson)}.{RawJwt.B64(payloadJson)}";
        return signingInput + "." + Base64UrlEncoder.Encode(Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>A token for <paramref name="idp"/>, alg EdDSA, this key's kid (unless <paramref name="withKid"/> is false).</summary>
    public string Mint(TestIdentityProvider idp, IDictionary<string, object?>? claims = null, bool withKid = true)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = idp.Issuer,
            ["aud"] = "api",
            ["sub"] = "eddie",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object?>())
        {
            payload[name] = value;
        }

        var header = withKid ? new Dictionary<string, string> { ["alg"] = "EdDSA", ["kid"] = Kid, ["typ"] = "JWT" } : new Dictionary<string, string> { ["alg"] = "EdDSA" };
        return SignRaw(JsonSerializer.Serialize(header), JsonSerializer.Serialize(payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)));
    }
}
