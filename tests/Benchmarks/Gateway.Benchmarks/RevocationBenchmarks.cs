using BenchmarkDotNet.Attributes;
using Gateway.Revocation;
using Gateway.Tokens;

namespace Gateway.Benchmarks;

/// <summary>
/// The revocation check every authenticated request pays after validation (cached tokens included): with no
/// revocation, and with 10,000 (jti, subject and session entries, none matching the token: the common case).
/// </summary>
[MemoryDiagnoser]
public class RevocationBenchmarks
{
    private RevocationList _list = null!;
    private TokenClaims _claims = null!;
    private string _issuer = null!;

    [Params(0, 10_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var setup = new BenchmarkSetup();
        var token = setup.Mint();
        var outcome = new TokenValidator().ValidateAsync(token.AsMemory(), setup.Issuers, 8192, null, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _claims = outcome.Claims ?? throw new InvalidOperationException("the benchmark token does not validate: " + outcome.Status);
        _issuer = outcome.IssuerName!;
        _list = new RevocationList(TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Entries; i++)
        {
            var kind = (RevocationKind)(i % 3);
            _list.AddLocal(new RevocationEntry(kind, kind == RevocationKind.Subject || i % 2 == 0 ? _issuer : null, "other-" + i, kind == RevocationKind.Subject ? now : null, now.AddHours(1), now));
        }

        _ = _claims.Identifiers; // read once per validated token, as a cached token's claims already are
    }

    [Benchmark(Description = "revocation check (cached claims)")]
    public bool Check() => _list.IsRevoked(_issuer, _claims);
}
