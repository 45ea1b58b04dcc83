using BenchmarkDotNet.Attributes;
using Gateway.Revocation;
using Gateway.Tokens;

namespace Gateway.Benchmarks;

/// <summary>
/// The revocation check every authenticated request pays after validation (cached tokens included): with no
/// revocation, and with 10,000 (jti, subject and session entries, none matching the token: the common case). The
/// token carries jti, sid, sub and iat, so every index is consulted (the worst case for a token that is not revoked).
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
        var now = DateTimeOffset.UtcNow;
        _claims = new TokenClaims(System.Text.Json.JsonSerializer.SerializeToElement(new
        {
            iss = "https://idp.example", sub = "alice", jti = "5f2c9a0e-7d1b-4c8e-9a3f-0b6d2e4f8a17", sid = "08a5019c-17e1-4977-8f42-65a12843ea02", iat = now.ToUnixTimeSeconds(),
        }));
        _issuer = "corp";
        _list = new RevocationList(TimeProvider.System);
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
