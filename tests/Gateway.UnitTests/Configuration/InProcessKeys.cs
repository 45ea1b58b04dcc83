using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Keys;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Configuration;

/// <summary>In-process stand-ins for what key managers talk to: no sockets, nothing shared between tests.</summary>
internal static class InProcessKeys
{
    /// <summary>A JWKS with one RSA signing key named <paramref name="kid"/>.</summary>
    public static string Jwks(string kid)
    {
        using var rsa = RSA.Create(2048);
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        return JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid, use = "sig", n = jwk.N, e = jwk.E } } });
    }
}

/// <summary>A key source that counts its fetches.</summary>
internal sealed class CountingFetcher(string jwks, TimeProvider time) : IKeyDocumentFetcher
{
    private int _fetches;

    public int Fetches => Volatile.Read(ref _fetches);

    public string SourceAddress => "https://idp.example.com/jwks";

    public Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return Task.FromResult(new KeyDocument(jwks, time.GetUtcNow()));
    }
}

/// <summary>A shared store with nothing in it that counts reads and lets a test send change notices (as Redis would).</summary>
internal sealed class NoticeOnlyKeyStore : ISharedKeyStore
{
    private int _reads;

    public event Action<string, string>? Changed;

    /// <summary>Reads of an entry: what a manager does when told of a change.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Whether anyone still listens for change notices.</summary>
    public bool HasSubscribers => Changed is not null;

    public void Notify(string issuerName, string sourceAddress) => Changed?.Invoke(issuerName, sourceAddress);

    public Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult<KeyDocument?>(null);
    }

    public Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken) =>
        Task.FromResult(default(FetchLeaseState));
}
