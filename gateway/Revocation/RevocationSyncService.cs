using System.Diagnostics.Metrics;
using Gateway.Configuration;
using Gateway.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Revocation;

/// <summary>
/// Keeps this replica's <see cref="RevocationList"/> current: loads every revocation from Redis before the server
/// listens, re-reads them on each change notice, after a reconnect (a revocation made while this replica was cut
/// off applies as soon as it is back), every <c>ResyncInterval</c>, and every second while Redis cannot be read;
/// drops expired entries. Without Redis it only purges. The request path never waits for any of it.
/// </summary>
internal sealed partial class RevocationSyncService : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly RevocationList _list;
    private readonly RedisRevocationStore? _store;
    private readonly TimeSpan _resyncInterval;
    private readonly TimeProvider _time;
    private readonly ILogger<RevocationSyncService> _logger;
    private TaskCompletionSource _signal = NewSignal();
    private volatile bool _stale = true;
    private bool _subscribed;

    public RevocationSyncService(RevocationList list, RedisRevocationStore? store, RevocationOptions options, TimeProvider time, ILogger<RevocationSyncService> logger, IMeterFactory? meters = null)
    {
        if (meters is not null)
        {
            var meter = meters.Create(GatewayDiagnostics.MeterName);
            meter.CreateObservableGauge(GatewayDiagnostics.Metrics.Revocations, () => list.Current.Count, "{revocation}", "Revocations this replica enforces (shared through Redis and local).");
            meter.CreateObservableGauge(GatewayDiagnostics.Metrics.RevocationsInSync, () => InSync ? 1 : 0, "{state}", "1 when the last read of the revocations in Redis succeeded (always 1 without Redis), else 0.");
        }

        _list = list;
        _store = store;
        _resyncInterval = options.ResyncInterval;
        _time = time;
        _logger = logger;
        if (store is not null)
        {
            store.Changed += Signal;
            store.Reconnected += () =>
            {
                _stale = true;
                Signal();
            };
            store.Disconnected += () => _stale = true;
        }
    }

    /// <summary>Whether the last attempt to read Redis succeeded (always true without Redis).</summary>
    public bool InSync => _store is null || !_stale;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Loaded before the server listens (bounded by the connect wait): a restarted replica does not serve revoked tokens.
        await SynchroniseAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPurge = _time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = _store is null ? PurgeInterval : _stale ? RetryInterval : Min(_resyncInterval, PurgeInterval);
            var signal = Volatile.Read(ref _signal).Task;
            using (var delay = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                var timer = Task.Delay(wait, _time, delay.Token);
                await Task.WhenAny(signal, timer).ConfigureAwait(false);
                await delay.CancelAsync().ConfigureAwait(false);
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (_store is not null)
            {
                await SynchroniseAsync(stoppingToken).ConfigureAwait(false);
            }

            if (_time.GetUtcNow() - lastPurge >= PurgeInterval)
            {
                _list.Purge();
                lastPurge = _time.GetUtcNow();
            }
        }
    }

    private async Task SynchroniseAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        // Reset first: a notice that arrives while reading triggers another read.
        Interlocked.Exchange(ref _signal, NewSignal());
        if (!_subscribed)
        {
            _subscribed = await _store.SubscribeAsync(cancellationToken).ConfigureAwait(false);
        }

        var entries = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (entries is null)
        {
            _stale = true;
            return;
        }

        var before = _list.Current.Count;
        var repaired = _stale || _list.HasLocal ? await RepairAsync(entries, cancellationToken).ConfigureAwait(false) : [];
        _list.ReplaceShared(entries.Concat(repaired), repaired.Select(e => e.Id));
        if (_stale || before != _list.Current.Count)
        {
            Log.Synchronised(_logger, _list.Current.Count);
        }

        _stale = false;
    }

    // After an outage (or a Redis restart without persistence), what this replica enforces but Redis lacks is written
    // back: revocations made here while Redis was unreachable reach the fleet, and a Redis that lost its data gets it
    // back. Fail closed: a revocation removed while this replica was cut off is restored too (remove it again).
    private async Task<List<RevocationEntry>> RepairAsync(IReadOnlyList<RevocationEntry> loaded, CancellationToken cancellationToken)
    {
        var known = loaded.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        var repaired = new List<RevocationEntry>();
        foreach (var entry in _list.Current.Entries.Where(e => e.ExpiresAt > now && !known.Contains(e.Id)))
        {
            if (await _store!.AddAsync(entry, cancellationToken).ConfigureAwait(false))
            {
                repaired.Add(entry);
            }
        }

        if (repaired.Count > 0)
        {
            Log.Repaired(_logger, repaired.Count);
        }

        return repaired;
    }

    private void Signal() => Volatile.Read(ref _signal).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static partial class Log
    {
        [LoggerMessage(Observability.EventIds.RevocationsSynchronised, LogLevel.Information, "Revocations synchronised from Redis: {Count} in force on this replica.")]
        public static partial void Synchronised(ILogger logger, int count);

        [LoggerMessage(Observability.EventIds.RevocationsRepaired, LogLevel.Warning, "{Count} revocation(s) enforced on this replica were missing from Redis (made while it was unreachable, or Redis lost its data): written back for the fleet.")]
        public static partial void Repaired(ILogger logger, int count);
    }
}
