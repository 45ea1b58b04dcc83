namespace Gateway.Keys;

/// <summary>
/// The local side of the manager: a key source on this replica (<see cref="ILocalKeySource"/>: a JWKS file or inline
/// JWKS) is read again when it changed, never on a schedule, and an invalid read never replaces the keys in memory.
/// </summary>
internal sealed partial class IssuerKeyManager
{
    // An unknown kid checks the source at most this often: a flood of made-up kids must not become a flood of file reads.
    private static readonly TimeSpan LocalKidCheckInterval = TimeSpan.FromSeconds(1);
    private int _checkingLocalSource;
    private long _lastLocalKidCheckTicks;

    /// <summary>Background tick for a local source: reads it when it changed since the last read (first read included).</summary>
    private async Task ReloadIfChangedAsync(ILocalKeySource local)
    {
        if (Interlocked.Exchange(ref _checkingLocalSource, 1) == 1)
        {
            return; // a slow disk: the previous check is still running
        }

        try
        {
            if (await HasChangedAsync(local, CancellationToken.None).ConfigureAwait(false))
            {
                await StartLocalLoad().ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _checkingLocalSource, 0);
        }
    }

    /// <summary>
    /// A token names a kid the keys in memory lack: if the source changed (a rotation the tick has not seen yet), read
    /// it and look again; else the answer is the keys in memory. An invalid source with good keys in memory is not a
    /// failed refresh: the keys in force are known, and they lack the kid.
    /// </summary>
    private async ValueTask<KidRefreshResult> RefreshLocalForUnknownKidAsync(ILocalKeySource local, string kid, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var last = Volatile.Read(ref _lastLocalKidCheckTicks);
        if (now - last >= LocalKidCheckInterval.Ticks
            && Interlocked.CompareExchange(ref _lastLocalKidCheckTicks, now, last) == last
            && await HasChangedAsync(local, cancellationToken).ConfigureAwait(false))
        {
            var outcome = await WaitBoundedAsync(StartLocalLoad(), cancellationToken).ConfigureAwait(false);
            return Checked(Usable(outcome.Keys ?? _current), kid, loaded: (outcome.Keys ?? _current) is not null);
        }

        var current = Usable(_current);
        return Checked(current, kid, loaded: current is not null);
    }

    private Task<LoadOutcome> StartLocalLoad()
    {
        lock (_gate)
        {
            // A change is news: it is read at once, whatever the backoff after an earlier invalid read says.
            return _inflight ?? StartLoadLocked(_current is null ? KeyLoadReason.Cold : KeyLoadReason.SourceChanged, null);
        }
    }

    private async ValueTask<bool> HasChangedAsync(ILocalKeySource local, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Settings.FetchTimeout, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await local.HasChangedAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false; // the disk did not answer within FetchTimeout: the next tick asks again
        }
    }
}
