namespace Gateway.Keys;

/// <summary>
/// The end of a manager's life: <see cref="KeyManagerPool"/> releases a manager once no active configuration uses its
/// issuer's definition. A released manager starts no load of any kind (no refresh-ahead, no first load, no unknown-kid
/// fetch): a request that still holds the snapshot it belonged to (matched just before the reload) is answered from the
/// keys in memory — valid keys still verify, and with none the token is refused — and nothing fetches again for an issuer
/// the configuration no longer has.
/// </summary>
internal sealed partial class IssuerKeyManager : IDisposable
{
    private volatile bool _released;

    /// <summary>Whether <see cref="Dispose"/> was called: the manager then answers from memory only.</summary>
    public bool IsReleased => _released;

    /// <summary>Stops every future load; a load already under way ends on its own (its result is still applied).</summary>
    public void Dispose() => _released = true;

    // What a released manager answers instead of loading: the keys in memory, as if a load had left them unchanged.
    private Task<LoadOutcome> ReleasedOutcome() => Task.FromResult(new LoadOutcome(_current, LoadResult.Unchanged));
}
