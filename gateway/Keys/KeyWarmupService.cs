using Gateway.Configuration;
using Microsoft.Extensions.Hosting;

namespace Gateway.Keys;

/// <summary>Loads every issuer's keys at startup and after each reload, so the first request does not wait for the identity provider.</summary>
internal sealed class KeyWarmupService : IHostedService
{
    private readonly GatewaySnapshotManager _snapshots;

    public KeyWarmupService(GatewaySnapshotManager snapshots)
    {
        _snapshots = snapshots;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Warm(_snapshots.Current);
        _snapshots.Reloaded += Warm;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _snapshots.Reloaded -= Warm;
        return Task.CompletedTask;
    }

    // Fire and forget: failures are logged by the key manager and retried on demand.
    private static void Warm(GatewaySnapshot snapshot)
    {
        foreach (var issuer in snapshot.Issuers.All)
        {
            _ = issuer.Keys.GetKeysAsync(CancellationToken.None).AsTask();
        }
    }
}
