using Gateway.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Hosting;

/// <summary>
/// Runs first when the host stops (SIGTERM): marks the gateway as draining, so <c>/healthz/ready</c>
/// answers 503, then waits <c>Gateway:Management:ShutdownDelay</c> while still serving. Then the
/// server stops accepting connections and in-flight requests get the rest of the drain time
/// (<c>HostOptions.ShutdownTimeout</c> = <c>Gateway:Management:DrainTimeout</c>).
/// </summary>
internal sealed partial class ShutdownDrainService : IHostedLifecycleService
{
    private readonly DrainState _state;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _drainTimeout;
    private readonly string? _ignoredShutdownTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger<ShutdownDrainService> _logger;

    public ShutdownDrainService(DrainState state, TimeSpan delay, TimeSpan drainTimeout, string? ignoredShutdownTimeout, TimeProvider time, ILogger<ShutdownDrainService> logger)
    {
        _state = state;
        _delay = delay;
        _drainTimeout = drainTimeout;
        _ignoredShutdownTimeout = ignoredShutdownTimeout;
        _time = time;
        _logger = logger;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _state.BeginDraining();
        Log.Draining(_logger, _delay.TotalSeconds, _drainTimeout.TotalSeconds);
        if (_delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The drain time ran out during the delay: stop now.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(_ignoredShutdownTimeout))
        {
            Log.ShutdownTimeoutIgnored(_logger, _ignoredShutdownTimeout, _drainTimeout.TotalSeconds);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventIds.ShutdownDraining, LogLevel.Information, "Shutting down: readiness now answers 503; accepting new requests for {DelaySeconds} s more, then draining in-flight requests (at most {DrainSeconds} s in all).")]
        public static partial void Draining(ILogger logger, double delaySeconds, double drainSeconds);

        [LoggerMessage(EventIds.ShutdownTimeoutIgnored, LogLevel.Warning, "shutdownTimeoutSeconds ({Value}) is ignored: the shutdown is bounded by Gateway:Management:DrainTimeout ({DrainSeconds} s). Set that instead (Gateway__Management__DrainTimeout).")]
        public static partial void ShutdownTimeoutIgnored(ILogger logger, string value, double drainSeconds);
    }
}
