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

    public static async Task<TestIdentityProvider> StartAsync()
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
        return idp;
    }

    public SigningKey AddRsaKey(string kid, string? use = "sig", string? alg = null)
    {
        var rsa = RSA.Create(2048);
        var key = new SigningKey(kid, new RsaSecurityKey(rsa) { KeyId = kid }, use, alg);
        Publish(key);
        return key;
    }

    public SigningKey AddEcKey(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new SigningKey(kid, new ECDsaSecurityKey(ec) { KeyId = kid }, "sig", null);
        Publish(key);
        return key;
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

        List<SigningKey> keys;
        lock (_gate)
        {
            keys = [.. _published];
        }

        context.Response.ContentType = "application/json";
        if (JwksMaxAgeSeconds is { } maxAge)
        {
            context.Response.Headers.CacheControl = $"public, max-age={maxAge}";
        }

        await context.Response.WriteAsync(JwksJson(keys));
    }

    public static string JwksJson(IEnumerable<SigningKey> keys) =>
        JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk()).ToArray() });

    private async Task<bool> FailAsync(HttpContext context)
    {
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

    public static string HmacSign(object header, object payload, byte[] secret)
    {
        var signingInput = $"{B64(JsonSerializer.Serialize(header))}.{B64(JsonSerializer.Serialize(payload))}";
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(mac);
    }
}
