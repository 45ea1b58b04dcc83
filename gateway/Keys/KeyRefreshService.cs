using Gateway.Configuration;
using Gateway.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Keys;

/// <summary>
/// Loads every issuer's keys at startup, then ticks every second to refresh them ahead of expiry
/// (and to retry, with backoff, issuers whose keys could not be loaded), so requests never wait
/// for a scheduled refresh.
/// </summary>
internal sealed class KeyRefreshService : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly GatewaySnapshotManager _snapshots;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;

    public KeyRefreshService(GatewaySnapshotManager snapshots, IServiceProvider services, TimeProvider time)
    {
        _snapshots = snapshots;
        _services = services;
        _time = time;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_services.GetService<RedisSharedKeyStore>() is { } redis)
        {
            using var connectBudget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            connectBudget.CancelAfter(TimeSpan.FromSeconds(5));
            await redis.StartAsync(connectBudget.Token).ConfigureAwait(false); // never throws: Redis is optional at startup
        }

        using var timer = new PeriodicTimer(Tick, _time);
        do
        {
            foreach (var issuer in _snapshots.Current.Issuers.All)
            {
                _ = issuer.Keys.RefreshIfDueAsync();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
