using System.Collections.Concurrent;

namespace Gateway.Keys;

/// <summary>
/// Kids recently confirmed unknown after a refresh (negative cache): a token naming one is answered
/// 401 at once, without waiting on any refresh. Bounded: past <see cref="Capacity"/> entries it is
/// cleared, which only costs a throttled refresh, never memory.
/// </summary>
internal sealed class UnknownKidCache
{
    public const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public bool Contains(string kid, DateTimeOffset now)
    {
        if (!_until.TryGetValue(kid, out var until))
        {
            return false;
        }

        if (until > now)
        {
            return true;
        }

        _until.TryRemove(kid, out _);
        return false;
    }

    public void Add(string kid, DateTimeOffset until)
    {
        if (_until.Count >= Capacity)
        {
            _until.Clear();
        }

        _until[kid] = until;
    }

    public void Clear() => _until.Clear();
}
