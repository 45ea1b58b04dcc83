using Gateway.Observability;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.SenderConstraints;

/// <summary>
/// Used proof ids shared by the fleet: <c>SET {prefix}dpop:{id} 1 NX PX {retention}</c>, where id is the hex of the
/// 128-bit hash of the proof key's thumbprint and <c>jti</c>; the first replica to set it accepts the proof, every
/// other use anywhere in the fleet is a replay. Every id is also remembered in this replica's memory first (a local
/// replay is refused without a round trip, and stays refused if Redis goes away). While Redis is unreachable, slow
/// (over <c>Gateway:Redis:OperationTimeout</c>) or refuses the command, the memory alone decides: a proof could then
/// be replayed once at each other replica within its lifetime (the documented weakening; see
/// docs/sender-constrained-tokens.md). Never throws.
/// </summary>
internal sealed partial class RedisDpopReplayCache : IDpopReplayCache
{
    private readonly RedisConnectionFactory _connections;
    private readonly MemoryDpopReplayCache _memory;
    private readonly string _prefix;
    private readonly TimeSpan _timeout;
    private readonly ILogger<RedisDpopReplayCache> _logger;
    private readonly Gateway.Observability.GatewayMetrics _metrics;
    private volatile bool _degraded;

    public RedisDpopReplayCache(RedisConnectionFactory connections, MemoryDpopReplayCache memory, string prefix, TimeSpan timeout, ILogger<RedisDpopReplayCache> logger, Gateway.Observability.GatewayMetrics? metrics = null)
    {
        _connections = connections;
        _memory = memory;
        _prefix = prefix + "dpop:";
        _timeout = timeout;
        _logger = logger;
        _metrics = metrics ?? Gateway.Observability.GatewayMetrics.Unscoped;
    }

    public string Store => _degraded ? "memory" : "redis";

    public async ValueTask<ReplayCheck> TryUseAsync(UInt128 proofId, TimeSpan retention, CancellationToken cancellationToken)
    {
        var local = _memory.TryUse(proofId, retention);
        if (local == ReplayCheck.Replayed)
        {
            return local;
        }

        try
        {
            // The first requests may come while the connection is still being made: wait for it, within the operation budget.
            var pending = _connections.GetConnectionAsync();
            var connection = await (pending.IsCompletedSuccessfully ? pending : pending.WaitAsync(_timeout, cancellationToken)).ConfigureAwait(false);
            if (!connection.IsConnected)
            {
                return Degrade(local, "not connected");
            }

            var key = (RedisKey)(_prefix + proofId.ToString("x32", System.Globalization.CultureInfo.InvariantCulture));
            var first = await connection.GetDatabase()
                .StringSetAsync(key, "1", retention, When.NotExists)
                .WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            Recover();
            return first ? ReplayCheck.First : ReplayCheck.Replayed; // memory full but Redis decided: Redis's answer stands
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ReplayCheck.Unavailable; // the client went away: nothing is forwarded either way
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            return Degrade(local, ex.GetType().Name);
        }
    }

    private ReplayCheck Degrade(ReplayCheck local, string why)
    {
        _metrics.DpopReplayFallbacks.Add(1);
        if (!_degraded)
        {
            _degraded = true;
            Log.Degraded(_logger, why);
        }

        return local;
    }

    private void Recover()
    {
        if (_degraded)
        {
            _degraded = false;
            Log.Recovered(_logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DpopReplayStoreDegraded, LogLevel.Warning, "DPoP replay check: Redis unavailable ({Reason}); proofs are checked in this replica's memory only until it is back (a proof could be replayed once at another replica).")]
        public static partial void Degraded(ILogger logger, string reason);

        [LoggerMessage(EventIds.DpopReplayStoreRecovered, LogLevel.Information, "DPoP replay check: Redis is back; proofs are checked fleet-wide again.")]
        public static partial void Recovered(ILogger logger);
    }
}
