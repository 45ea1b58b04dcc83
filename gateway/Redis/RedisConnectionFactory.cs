using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// Owns the one Redis connection of the process. It connects in the background and never fails the
/// caller: with <c>abortConnect=false</c> StackExchange.Redis keeps retrying, and a missing Redis
/// only means the shared cache reads as empty.
/// </summary>
internal sealed class RedisConnectionFactory : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Sequence, string? Failure)> _attempts = new(StringComparer.Ordinal);

    public RedisConnectionFactory(string configuration, RedisTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = ConfigurationOptions.Parse(configuration);
        tls?.Apply(options);
        options.ConnectionAttemptCompleted += OnConnectionAttempt;
        options.AbortOnConnectFail = false;
        // Bounded waits: a slow Redis must not hold a key load longer than its fetch budget.
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);

        // StackExchange.Redis subscribes to a broadcast channel (__Booksleeve_MasterChanged) through which
        // clients ask each other to reconfigure. The gateway never sends such a broadcast; subscribing would
        // only need one more ACL grant, which would also let the gateway publish to every other client's
        // channel. Off unless the configuration string sets configChannel itself.
        if (!configuration.Contains("configChannel=", StringComparison.OrdinalIgnoreCase))
        {
            options.ConfigurationChannel = "";
        }

        // The gateway never uses CONFIG; StackExchange.Redis reads a few settings with CONFIG GET at connect and
        // has defaults for them. A user allowed CONFIG GET can read the server's whole configuration, passwords
        // included, so a least-privilege ACL leaves it out: the client is told not to send it. Not changed when
        // the configuration string maps commands itself ($NAME=...), nor through Sentinel (untested there).
        if (options.ServiceName is null && !configuration.Split(',').Any(part => part.TrimStart().StartsWith('$')))
        {
            options.CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "CONFIG" }, available: false);
        }
        _connection = new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    public Task<IConnectionMultiplexer> GetConnectionAsync() => _connection.Value;

    /// <summary>
    /// Why connecting fails (e.g. <c>the server certificate was refused</c>: the most recent failed attempt), or
    /// null while a primary is connected (a down replica, or an old master left behind by a Sentinel failover, does
    /// not stop the key cache). Never holds a password.
    /// </summary>
    public string? ConnectionFailure
    {
        get
        {
#pragma warning disable VSTHRD002 // Result is read only once the connection task completed successfully: never a wait
            var connection = _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully ? _connection.Value.Result : null;
#pragma warning restore VSTHRD002
            if (connection is not null && connection.GetServers().Any(server => server.IsConnected && !server.IsReplica))
            {
                return null;
            }

            lock (_gate)
            {
                return _attempts.Values.Where(a => a.Failure is not null).OrderByDescending(a => a.Sequence).Select(a => a.Failure).FirstOrDefault();
            }
        }
    }

    /// <summary>Raised when an endpoint's connection attempts start failing for a new reason (text) or succeed again (null).</summary>
    public event Action<string?>? ConnectionFailureChanged;

    // Raised for every attempt, reconnects included (ConnectionFailed is not raised again while a server stays
    // unreachable): kept per endpoint so one bad endpoint is not hidden by another's success.
    private void OnConnectionAttempt(object? sender, ConnectionAttemptCompletedEventArgs attempt)
    {
        var endpoint = $"{attempt.EndPoint}/{attempt.ConnectionType}";
        var failure = attempt.IsSuccess ? null : Describe(attempt);
        lock (_gate)
        {
            if (_attempts.TryGetValue(endpoint, out var last) && (last.Sequence > attempt.SequenceNumber || last.Failure == failure))
            {
                return;
            }

            // An attempt the client abandoned itself to retry says nothing about why the server can't be reached: it
            // never replaces the reason an earlier attempt found (a refused certificate, say).
            if (!attempt.IsSuccess && attempt.FailureType == ConnectionFailureType.ConnectionDisposed && last.Failure is not null)
            {
                return;
            }

            _attempts[endpoint] = (attempt.SequenceNumber, failure);
        }

        ConnectionFailureChanged?.Invoke(failure);
    }

    private static string Describe(ConnectionAttemptCompletedEventArgs attempt)
    {
        var where = $"connecting to {attempt.EndPoint} failed during {attempt.Stage} ({attempt.FailureType})";
        if (attempt.ServerCertificateAccepted == false)
        {
            return $"{where}: the server certificate was refused ({attempt.ServerCertificatePolicyErrors}; chain: {attempt.ServerCertificateChainStatus}); check Gateway:Redis:CaCertificatePath and sslHost";
        }

        // The innermost exception's message says what happened (connection refused, certificate required...) without configuration.
        var inner = attempt.Exception;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner is null ? where : $"{where}: {inner.Message}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var connection = await _connection.Value.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
