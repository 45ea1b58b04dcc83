using Gateway.Keys;
using Gateway.Redis;

namespace Gateway.UnitTests.Keys;

/// <summary>
/// A Redis for the key tests, in memory and on the test's clock: string values with expiry, <c>SET NX PX</c>, the lease
/// script's compare-and-set, and one channel. <see cref="Connect"/> gives one replica's <see cref="ISharedKeyStore"/>,
/// which does what <see cref="RedisSharedKeyStore"/> does over those commands: entries sealed and opened by the same
/// <see cref="KeyEntryCodec"/>, lease values <c>{id}</c>, <c>{id}|done</c>, <c>{id}|failed</c>, notices read with the same
/// <see cref="ChangeNotice"/> rule. No sockets, no wall clock.
/// </summary>
internal sealed class InMemorySharedKeyStore(TimeProvider time, string integrityKey = InMemorySharedKeyStore.FleetKey)
{
    public const string FleetKey = "the-fleet-integrity-key-0000000000000000";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Value, DateTimeOffset ExpiresAt)> _values = new(StringComparer.Ordinal);
    private readonly List<Action<string>> _subscribers = [];
    private int _leaseReads;

    public KeyEntryCodec Codec { get; } = new(new KeyEntryProtector(integrityKey));

    /// <summary>Reads of a lease's state: each is one poll of a replica waiting for a peer's fetch.</summary>
    public int LeaseReads => Volatile.Read(ref _leaseReads);

    public static string EntryKey(string issuerName, string sourceAddress) => $"keys:{issuerName}:{sourceAddress}";

    public static string LeaseKey(string issuerName, string sourceAddress, FetchLeasePurpose purpose) => $"lease:{purpose.Name()}:{issuerName}:{sourceAddress}";

    public Replica Connect(string replicaId) => new(this, replicaId);

    /// <summary>The raw value under <paramref name="key"/> (null when missing or expired); set it to tamper with an entry.</summary>
    public string? this[string key]
    {
        get
        {
            lock (_gate)
            {
                return ValueOf(key);
            }
        }

        set
        {
            lock (_gate)
            {
                _values[key] = (value!, DateTimeOffset.MaxValue);
            }
        }
    }

    // Callers hold _gate.
    private string? ValueOf(string key) => _values.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow() ? entry.Value : null;

    private bool SetIfAbsent(string key, string value, TimeSpan expiry)
    {
        lock (_gate)
        {
            if (ValueOf(key) is not null)
            {
                return false;
            }

            _values[key] = (value, time.GetUtcNow() + expiry);
            return true;
        }
    }

    private void Set(string key, string value, TimeSpan expiry)
    {
        lock (_gate)
        {
            _values[key] = (value, time.GetUtcNow() + expiry);
        }
    }

    // The lease script: only the holder's own lease changes; null deletes it, else the value changes and the expiry stays.
    private void CompareAndSet(string key, string expected, string? value)
    {
        lock (_gate)
        {
            if (ValueOf(key) != expected)
            {
                return;
            }

            if (value is null)
            {
                _values.Remove(key);
            }
            else
            {
                _values[key] = (value, _values[key].ExpiresAt);
            }
        }
    }

    private void Publish(string message)
    {
        Action<string>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(message);
        }
    }

    private void Subscribe(Action<string> subscriber)
    {
        lock (_gate)
        {
            _subscribers.Add(subscriber);
        }
    }

    /// <summary>One replica's connection.</summary>
    internal sealed class Replica : ISharedKeyStore
    {
        private const string Done = "|done";
        private const string Failed = "|failed";
        private readonly InMemorySharedKeyStore _redis;
        private readonly string _id;
        private int _rejected;

        public Replica(InMemorySharedKeyStore redis, string id)
        {
            _redis = redis;
            _id = id;
            redis.Subscribe(message =>
            {
                if (ChangeNotice.TryReadFromPeer(message, _id, out var issuerName, out var sourceAddress))
                {
                    Changed?.Invoke(issuerName, sourceAddress);
                }
            });
        }

        public event Action<string, string>? Changed;

        /// <summary>Entries this replica refused (integrity check, issuer or source).</summary>
        public int RejectedEntries => Volatile.Read(ref _rejected);

        /// <summary>False: the entry write is lost (a timeout, a failover), as <see cref="RedisSharedKeyStore.PublishAsync"/> reports it.</summary>
        public bool WritesLand { get; set; } = true;

        public Task<KeyDocument?> GetAsync(string issuerName, string sourceAddress, CancellationToken cancellationToken)
        {
            if (_redis[EntryKey(issuerName, sourceAddress)] is not { } text)
            {
                return Task.FromResult<KeyDocument?>(null);
            }

            var document = _redis.Codec.Open(issuerName, sourceAddress, text);
            if (document is null)
            {
                Interlocked.Increment(ref _rejected);
            }

            return Task.FromResult(document);
        }

        public Task<bool> PublishAsync(string issuerName, string sourceAddress, KeyDocument document, CancellationToken cancellationToken)
        {
            if (!WritesLand)
            {
                return Task.FromResult(false);
            }

            _redis.Set(EntryKey(issuerName, sourceAddress), _redis.Codec.Seal(issuerName, sourceAddress, document), TimeSpan.FromDays(2));
            _redis.Publish(ChangeNotice.Format(issuerName, sourceAddress, _id));
            return Task.FromResult(true);
        }

        public Task<bool> TryAcquireFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, TimeSpan lease, CancellationToken cancellationToken) =>
            Task.FromResult(_redis.SetIfAbsent(LeaseKey(issuerName, sourceAddress, purpose), _id, lease));

        public Task CompleteFetchLeaseAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, bool succeeded, CancellationToken cancellationToken)
        {
            var outcome = succeeded ? (purpose == FetchLeasePurpose.Load ? null : _id + Done) : _id + Failed;
            _redis.CompareAndSet(LeaseKey(issuerName, sourceAddress, purpose), _id, outcome);
            return Task.CompletedTask;
        }

        public Task<FetchLeaseState> GetFetchLeaseStateAsync(string issuerName, string sourceAddress, FetchLeasePurpose purpose, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _redis._leaseReads);
            var value = _redis[LeaseKey(issuerName, sourceAddress, purpose)];
            return Task.FromResult(
                value is null ? FetchLeaseState.None
                : value.EndsWith(Done, StringComparison.Ordinal) ? FetchLeaseState.Succeeded
                : value.EndsWith(Failed, StringComparison.Ordinal) ? FetchLeaseState.Failed
                : FetchLeaseState.Fetching);
        }
    }
}
