using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Configuration;
using Gateway.Introspection;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// Cached introspection (an opaque token whose RFC 7662 answer is in the memory cache) against a cached JWT on the
/// same policy and claim headers: the validator call alone and the whole per-request path. The answer carries the
/// same claims as the JWT. The introspection endpoint is an in-process handler, asked once in the setup.
/// </summary>
[MemoryDiagnoser]
public class IntrospectionBenchmarks
{
    private BenchmarkSetup _setup = null!;
    private DefaultHttpContext _jwtContext = null!;
    private DefaultHttpContext _opaqueContext = null!;
    private TokenValidator _validator = null!;
    private string _jwt = null!;
    private string _opaque = null!;

    [GlobalSetup]
    public void Setup()
    {
        _setup = new BenchmarkSetup();
        _jwt = _setup.Mint();
        _opaque = "2YotnFZFEjr1zCsicMWpAA-opaque-reference-token_0123456789";
        var issuer = new IssuerOptions
        {
            Issuer = "https://bench-as.example",
            Audiences = ["api"],
            Introspection = new IntrospectionOptions { Endpoint = "https://bench-as.example/introspect", ClientId = "gateway", ClientSecret = "bench-secret" },
        };
        var settings = new IntrospectionSettings("bench", issuer, issuer.Issuer, "bench-secret");
        var answer = $$"""{"active":true,"iss":"https://bench-as.example","aud":"api","sub":"alice","scope":"orders:read orders:write","roles":["admin","user"],"tenant":"acme","exp":{{DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds()}}}""";
        var client = new IntrospectionClient(new HttpClient(new StaticAnswer(answer)), settings);
        var introspector = new TokenIntrospector(settings, client, NoSharedIntrospectionCache.Instance, TimeProvider.System, NullLogger<TokenIntrospector>.Instance);
        _validator = new TokenValidator(_setup.Issuers, 8192, new ValidatedTokenCache(10_000, TimeSpan.FromMinutes(10), TimeProvider.System), TimeProvider.System, introspector);

        _jwtContext = new DefaultHttpContext();
        _jwtContext.Request.Headers.Authorization = "Bearer " + _jwt;
        _opaqueContext = new DefaultHttpContext();
        _opaqueContext.Request.Headers.Authorization = "Bearer " + _opaque;
        foreach (var token in new[] { _jwt, _opaque })
        {
            var outcome = _validator.ValidateAsync(token.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (!outcome.IsValid)
            {
                throw new InvalidOperationException("the benchmark token does not validate: " + outcome.Status);
            }
        }
    }

    [Benchmark(Baseline = true, Description = "validate, cached JWT (SHA-256 + lookup)")]
    public object CachedJwt() => Validate(_jwt);

    [Benchmark(Description = "validate, cached introspection (SHA-256 + lookup)")]
    public object CachedIntrospection() => Validate(_opaque);

    [Benchmark(Description = "whole path, cached JWT")]
    public int WholePathJwt() => (int)WholePath(_jwtContext);

    [Benchmark(Description = "whole path, cached introspection")]
    public int WholePathIntrospection() => (int)WholePath(_opaqueContext);

    private TokenValidationOutcome Validate(string token)
    {
        var pending = _validator.ValidateAsync(token.AsMemory(), CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    private PolicyDecision WholePath(DefaultHttpContext context)
    {
        var headers = context.Request.Headers;
        _setup.Stripper.Strip(headers);
        var extracted = _setup.Extractor.Extract(context.Request);
        var pending = _validator.ValidateAsync(extracted.Value, CancellationToken.None);
        var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        var decision = _setup.Policy.Evaluate(outcome.Claims!, outcome.Issuer!);
        _setup.Headers.Apply(outcome.Issuer!, outcome.Claims!, headers);
        return decision;
    }

    private sealed class StaticAnswer(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }
}
