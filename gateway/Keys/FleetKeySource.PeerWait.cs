namespace Gateway.Keys;

/// <summary>Waiting for the replica that holds the fetch lease.</summary>
internal sealed partial class FleetKeySource
{
    /// <summary>
    /// Waits for the lease holder's result, as long as the holder may take (<see cref="PeerBudget"/>): the result is in
    /// memory (a change notice brought it) or in the shared store, or the holder's lease says it already succeeded (then
    /// what memory holds is its result). Null when the holder failed, its lease is gone without a result, or the budget
    /// ran out: the caller then loads itself.
    /// </summary>
    private async Task<IssuerKeySet?> WaitForPeerAsync(FetchLeasePurpose purpose, IKeyMemory memory)
    {
        var settings = memory.Settings;
        var baseline = memory.Current?.FetchedAt;
        using var budget = new CancellationTokenSource(PeerBudget(settings), _time);
        try
        {
            while (true)
            {
                if (ArrivedSince(baseline, memory) is { } arrived)
                {
                    return arrived;
                }

                // The lease first, then the entry: a holder marks success only after publishing, so an entry read after a
                // "succeeded" lease holds the holder's result (or a newer one).
                var state = await _store.GetFetchLeaseStateAsync(settings.IssuerName, settings.SourceAddress, purpose, budget.Token).ConfigureAwait(false);
                var shared = await _store.GetAsync(settings.IssuerName, settings.SourceAddress, budget.Token).ConfigureAwait(false);
                if (shared is not null && IsNewer(shared, memory) && Parse(shared, settings) is { } set)
                {
                    return memory.Apply(set);
                }

                switch (state)
                {
                    case FetchLeaseState.Succeeded:
                        return memory.Current;
                    case FetchLeaseState.None or FetchLeaseState.Failed:
                        return ArrivedSince(baseline, memory);
                }

                // Fetching, or the store did not answer this time: keep waiting within the budget.
                await Task.Delay(PeerPollInterval, _time, budget.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return ArrivedSince(baseline, memory);
        }
    }

    // Keys a change notice brought into memory after the wait began (else null).
    private static IssuerKeySet? ArrivedSince(DateTimeOffset? baseline, IKeyMemory memory) =>
        memory.Current is { } current && (baseline is null || current.FetchedAt > baseline) ? current : null;
}
