using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Gateway.Keys;

namespace Gateway.Tokens;

/// <summary>
/// Remembers tokens that passed full validation, by <see cref="TokenHash"/> (SHA-256 of the whole
/// token), so that a repeated token skips signature verification. An entry is served only while:
/// <list type="bullet">
/// <item>the clock is before the token's <c>exp</c> (no clock skew, no grace) and within <c>MaxEntryLifetime</c>;</item>
/// <item>its issuer is one of the active configuration (a cache belongs to one configuration snapshot:
/// a reload starts with an empty cache, so nothing validated under old rules is served);</item>
/// <item>the issuer's current key set is the very set that verified it and is still usable (any key
/// change, including a refresh, replaces the set and so invalidates every entry of that issuer).</item>
/// </list>
/// Only successes are stored. The size never exceeds <c>MaxEntries</c>: when full, expired entries and
/// entries not hit since the last sweep go first, then arbitrary ones; a token that finds no room is
/// simply validated in full again.
/// </summary>
internal sealed class ValidatedTokenCache
{
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries;
    private readonly TimeProvider _time;
    private readonly long _maxLifetimeTicks;
    private int _count;
    private int _sweeping;

    public ValidatedTokenCache(int maxEntries, TimeSpan maxEntryLifetime, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxEntryLifetime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        MaxEntries = maxEntries;
        _maxLifetimeTicks = maxEntryLifetime.Ticks;
        _time = time;
        _entries = new ConcurrentDictionary<TokenHash, Entry>(Environment.ProcessorCount, Math.Min(maxEntries, 1024));
    }

    public int MaxEntries { get; }

    /// <summary>Entries held now (never more than <see cref="MaxEntries"/>).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The cached success for this token, if it may still be served under the active issuers and keys.</summary>
    public bool TryGet(in TokenHash hash, IssuerRegistry issuers, [NotNullWhen(true)] out TokenValidationOutcome? outcome)
    {
        ArgumentNullException.ThrowIfNull(issuers);
        if (_entries.TryGetValue(hash, out var entry))
        {
            if (IsServable(entry, issuers))
            {
                if (!entry.Hit)
                {
                    entry.Hit = true; // written once per sweep period, not on every hit: no cache-line ping-pong between cores
                }

                outcome = entry.Outcome;
                return true;
            }

            Remove(hash, entry);
        }

        outcome = null;
        return false;
    }

    /// <summary>Stores a success. <paramref name="expiresAt"/> is the token's <c>exp</c>; <paramref name="keys"/> the set that verified it.</summary>
    public void Add(in TokenHash hash, IssuerProvider issuer, IssuerKeySet keys, TokenValidationOutcome outcome, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(outcome);
        if (!outcome.IsValid)
        {
            throw new ArgumentException("Only successful validations are cached.", nameof(outcome));
        }

        var now = _time.GetUtcNow().UtcTicks;
        var until = Math.Min(Math.Min(expiresAt.UtcTicks, now + _maxLifetimeTicks), keys.UsableUntil.UtcTicks);
        if (until <= now)
        {
            return;
        }

        // Reserve a slot first, so that the number of entries can never pass MaxEntries, even for a moment.
        int count;
        do
        {
            count = Volatile.Read(ref _count);
            if (count >= MaxEntries)
            {
                Sweep(now);
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _count, count + 1, count) != count);

        if (!_entries.TryAdd(hash, new Entry(issuer, keys, outcome, until)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    public void Clear()
    {
        foreach (var pair in _entries)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    private bool IsServable(Entry entry, IssuerRegistry issuers)
    {
        var now = _time.GetUtcNow().UtcTicks;
        return now < entry.ExpiresAtTicks
            && issuers.Contains(entry.Issuer)
            && ReferenceEquals(entry.Issuer.Keys.Current, entry.Keys);
    }

    private void Remove(TokenHash hash, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    // One sweep at a time, run by the request that found the cache full (a miss: it has just paid for a
    // signature check, so an O(n) pass every MaxEntries/4 insertions costs little per request).
    private void Sweep(long now)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var target = MaxEntries - Math.Max(1, MaxEntries / 4);

            // First pass: expired entries and entries nobody asked for since the last sweep; survivors lose their mark.
            foreach (var (hash, entry) in _entries)
            {
                if (entry.ExpiresAtTicks <= now || (!entry.Hit && Count > target))
                {
                    Remove(hash, entry);
                }
                else
                {
                    entry.Hit = false;
                }
            }

            // Second pass, only if every entry was hot: drop arbitrary ones.
            foreach (var (hash, entry) in _entries)
            {
                if (Count <= target)
                {
                    break;
                }

                Remove(hash, entry);
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Entry(IssuerProvider issuer, IssuerKeySet keys, TokenValidationOutcome outcome, long expiresAtTicks)
    {
        public IssuerProvider Issuer { get; } = issuer;

        public IssuerKeySet Keys { get; } = keys;

        public TokenValidationOutcome Outcome { get; } = outcome;

        public long ExpiresAtTicks { get; } = expiresAtTicks;

        // Set on every hit, cleared by a sweep: a benign race (a lost write only makes eviction slightly less precise).
        public bool Hit { get; set; }
    }
}
