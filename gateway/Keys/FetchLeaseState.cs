namespace Gateway.Keys;

/// <summary>The state of a fetch lease, as a replica that lost it sees it while waiting for the holder's result.</summary>
internal enum FetchLeaseState
{
    /// <summary>No lease (expired, or released after a published result).</summary>
    None,

    /// <summary>The store could not be asked (unavailable or slow): a waiting replica keeps waiting.</summary>
    Unknown,

    /// <summary>The holder is fetching from the identity provider.</summary>
    Fetching,

    /// <summary>The holder's fetch succeeded and its result was published (kept until expiry, so the fleet fetches once per interval).</summary>
    Succeeded,

    /// <summary>The holder's fetch failed: waiting longer brings nothing.</summary>
    Failed,
}

/// <summary>The fetch lease purposes: independent leases, so a scheduled load does not spend the unknown-kid allowance.</summary>
internal enum FetchLeasePurpose
{
    /// <summary>First loads and scheduled refreshes: deleted once the result is published.</summary>
    Load,

    /// <summary>Unknown-kid loads: kept for the unknown-kid interval, so the fleet fetches once per interval.</summary>
    Kid,
}

/// <summary>The one place a <see cref="FetchLeasePurpose"/> becomes text: part of the lease's key in Redis (<c>{prefix}lease:load:…</c>, <c>{prefix}lease:kid:…</c>) and of log messages.</summary>
internal static class FetchLeasePurposeNames
{
    public static string Name(this FetchLeasePurpose purpose) => purpose switch
    {
        FetchLeasePurpose.Load => "load",
        FetchLeasePurpose.Kid => "kid",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, null),
    };
}
