using BenchmarkDotNet.Attributes;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Benchmarks;

/// <summary>
/// The enforcement hot path, stage by stage, on one reused request (the request objects belong to
/// Kestrel, not to the gateway): ns/op and bytes allocated by the gateway's own code.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private BenchmarkSetup _setup = null!;
    private DefaultHttpContext _context = null!;
    private string _token = null!;
    private TokenValidator _uncached = null!;
    private TokenValidator _validator = null!;
    private TokenClaims _claims = null!;

    [GlobalSetup]
    public void Setup()
    {
        _setup = new BenchmarkSetup();
        _token = _setup.Mint();
        _context = new DefaultHttpContext();
        _context.Request.Headers.Authorization = "Bearer " + _token;
        _uncached = new TokenValidator(_setup.Issuers, 8192);
        _validator = new TokenValidator(_setup.Issuers, 8192, new ValidatedTokenCache(10_000, TimeSpan.FromMinutes(10), TimeProvider.System));
        var outcome = _validator.ValidateAsync(_token.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _claims = outcome.Claims ?? throw new InvalidOperationException("the benchmark token does not validate: " + outcome.Status);
    }

    [Benchmark(Description = "extract token (Authorization: Bearer)")]
    public ReadOnlyMemory<char> Extract() => _setup.Extractor.Extract(_context.Request).Value;

    [Benchmark(Description = "validate, cold (full RS256 validation, no cache)")]
    public object ValidateCold() =>
        _uncached.ValidateAsync(_token.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "validate, cached (SHA-256 + lookup)")]
    public object ValidateCached()
    {
        var pending = _validator.ValidateAsync(_token.AsMemory(), CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "policy (scope + role)")]
    public int Policy() => (int)_setup.Policy.Evaluate(_claims, _setup.IssuerProvider.Identity);

    [Benchmark(Description = "claim headers (4, cached claims)")]
    public void Headers() => _setup.Headers.Apply(_setup.IssuerProvider.Identity, _claims, _context.Request.Headers);

    [Benchmark(Description = "strip identity headers")]
    public void Strip() => _setup.Stripper.Strip(_context.Request.Headers);

    /// <summary>What the middleware does for one request with a cached token: the per-request total.</summary>
    [Benchmark(Description = "whole path, cached token")]
    public int CachedRequest()
    {
        var headers = _context.Request.Headers;
        _setup.Stripper.Strip(headers);
        var extracted = _setup.Extractor.Extract(_context.Request);
        var pending = _validator.ValidateAsync(extracted.Value, CancellationToken.None);
        var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        var decision = _setup.Policy.Evaluate(outcome.Claims!, outcome.Issuer!);
        _setup.Headers.Apply(outcome.Issuer!, outcome.Claims!, headers);
        return (int)decision;
    }
}
