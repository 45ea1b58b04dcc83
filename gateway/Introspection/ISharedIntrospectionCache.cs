namespace Gateway.Introspection;

/// <summary>
/// The fleet's shared memory of introspection answers (Redis), so one replica's call serves them all. Entries
/// are named by the token's SHA-256, never the token. Implementations never throw and bound every operation:
/// an unavailable store, or an entry whose integrity check fails, reads as a miss; a write that fails is dropped.
/// </summary>
internal interface ISharedIntrospectionCache
{
    /// <summary>The verified answer stored for this token of this issuer, or null.</summary>
    Task<SharedIntrospectionEntry?> GetAsync(string issuerName, string expectedIssuer, string tokenHash, CancellationToken cancellationToken);

    /// <summary>Stores an answer until <see cref="SharedIntrospectionEntry.Until"/>.</summary>
    Task SetAsync(string issuerName, string expectedIssuer, string tokenHash, SharedIntrospectionEntry entry, CancellationToken cancellationToken);
}

/// <summary>An answer as the fleet shares it: the answer's JSON and until when it may be served.</summary>
internal sealed record SharedIntrospectionEntry(string AnswerJson, DateTimeOffset Until);

/// <summary>No shared level (no Redis configured): every replica introspects for itself.</summary>
internal sealed class NoSharedIntrospectionCache : ISharedIntrospectionCache
{
    public static NoSharedIntrospectionCache Instance { get; } = new();

    public Task<SharedIntrospectionEntry?> GetAsync(string issuerName, string expectedIssuer, string tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult<SharedIntrospectionEntry?>(null);

    public Task SetAsync(string issuerName, string expectedIssuer, string tokenHash, SharedIntrospectionEntry entry, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
