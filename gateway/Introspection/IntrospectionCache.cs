using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Gateway.Tokens;

namespace Gateway.Introspection;

/// <summary>
/// A replica's memory of introspection verdicts, by <see cref="TokenHash"/> (the token itself is never kept).
/// Invariants: an entry is served only before its <c>CacheUntil</c> (no grace); the size never exceeds
/// <c>MaxEntries</c> (a slot is reserved before an insert; when full, expired entries are swept, and a verdict
/// that still finds no room is simply not remembered). Benign race: two flights for one token (impossible while
/// single-flight holds, possible across a sweep) both store; the later one wins, and both are true answers.
/// </summary>
internal sealed class IntrospectionCache
{
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private int _count;

    public IntrospectionCache(int maxEntries, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _maxEntries = maxEntries;
        _time = time;
    }

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(in TokenHash hash, [NotNullWhen(true)] out TokenValidationOutcome? outcome)
    {
        if (_entries.TryGetValue(hash, out var entry))
        {
            if (_time.GetUtcNow() < entry.Until)
            {
                outcome = entry.Outcome;
                return true;
            }

            if (_entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry)))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        outcome = null;
        return false;
    }

    public void Add(in TokenHash hash, TokenValidationOutcome outcome, DateTimeOffset until)
    {
        if (until <= _time.GetUtcNow())
        {
            return;
        }

        var entry = new Entry(outcome, until);
        if (_entries.TryGetValue(hash, out var existing))
        {
            _entries.TryUpdate(hash, entry, existing);
            return;
        }

        if (!TryReserve())
        {
            return;
        }

        if (!_entries.TryAdd(hash, entry))
        {
            Interlocked.Decrement(ref _count); // another flight stored it first
        }
    }

    private bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        Sweep();
        if (Interlocked.Increment(ref _count) <= _maxEntries)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var pair in _entries)
        {
            if (pair.Value.Until <= now && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private sealed record Entry(TokenValidationOutcome Outcome, DateTimeOffset Until);
}
