namespace Gateway.Keys;

/// <summary>The fleet side of a load: waiting for the replica that holds the fetch lease.</summary>
internal sealed partial class IssuerKeyManager
{
    /// <summary>
    /// Waits for the lease holder's result, as long as the holder may take (<see cref="PeerBudget"/>):
    /// the result is in memory (a change notice brought it) or in the shared store, or the holder's
    /// lease says it already succeeded (then what we hold is its result). Null when the holder failed,
    /// its lease is gone without a result, or the budget ran out: the caller then loads itself.
    /// </summary>
    private async Task<IssuerKeySet?> WaitForPeerAsync(string purpose, DateTimeOffset? baseline)
    {
        using var budget = new CancellationTokenSource(PeerBudget, _time);
        try
        {
            while (true)
            {
                if (ArrivedSince(baseline) is { } arrived)
                {
                    return arrived;
                }

                // The lease first, then the entry: a holder marks success only after publishing, so an entry
                // read after a "succeeded" lease holds the holder's result (or a newer one).
                var state = await _shared.GetFetchLeaseStateAsync(Settings.IssuerName, Settings.SourceAddress, purpose, budget.Token).ConfigureAwait(false);
                var shared = await _shared.GetAsync(Settings.IssuerName, Settings.SourceAddress, budget.Token).ConfigureAwait(false);
                if (shared is not null && IsNewer(shared) && Parse(shared, "redis") is { } set)
                {
                    return Apply(set);
                }

                switch (state)
                {
                    case FetchLeaseState.Succeeded:
                        return _current;
                    case FetchLeaseState.None or FetchLeaseState.Failed:
                        return ArrivedSince(baseline);
                }

                // Fetching, or the store did not answer this time: keep waiting within the budget.
                await Task.Delay(PeerPollInterval, _time, budget.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return ArrivedSince(baseline);
        }
    }

    // Keys a change notice brought into memory after the wait began (else null).
    private IssuerKeySet? ArrivedSince(DateTimeOffset? baseline) =>
        _current is { } current && (baseline is null || current.FetchedAt > baseline) ? current : null;
}
