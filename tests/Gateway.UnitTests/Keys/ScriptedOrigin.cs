using Gateway.Keys;

namespace Gateway.UnitTests.Keys;

/// <summary>
/// An identity provider the test scripts: each fetch answers <see cref="Answer"/> (a document stamped with the clock's
/// time, or a failure), or waits for <see cref="Hold"/>'s release. Counts fetches, like the functional tests' IdP counts
/// JWKS requests.
/// </summary>
internal sealed class ScriptedOrigin(TimeProvider time) : IKeyDocumentFetcher
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _held;
    private int _calls;

    /// <summary>The JWKS the next fetches answer; null: the fetch fails (the IdP answered 500).</summary>
    public string? Jwks { get; set; } = KeyTestData.Jwks("good");

    /// <summary>The max-age the documents are served with.</summary>
    public TimeSpan? MaxAge { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public string SourceAddress => KeyTestData.Settings.SourceAddress;

    /// <summary>From now on fetches wait until the returned source completes (then answer as scripted at that moment).</summary>
    public TaskCompletionSource Hold()
    {
        lock (_gate)
        {
            return _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public async Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        TaskCompletionSource? held;
        lock (_gate)
        {
            held = _held;
        }

        if (held is not null)
        {
            await held.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Jwks is { } jwks
            ? new KeyDocument(jwks, time.GetUtcNow(), MaxAge)
            : throw new HttpRequestException("the identity provider answered 500", null, System.Net.HttpStatusCode.InternalServerError);
    }
}
