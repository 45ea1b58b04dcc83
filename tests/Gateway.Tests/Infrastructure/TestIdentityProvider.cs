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
        var key = SigningKey.CreateRsa(kid, use, alg);
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
        var key = SigningKey.CreateEc(kid);
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
    public static SigningKey CreateUnpublishedRsaKey(string kid) => SigningKey.CreateRsa(kid);

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

    public static string JwksJson(IEnumerable<SigningKey> keys) => SigningKey.Jwks(keys);

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
