namespace Gateway.Keys;

/// <summary>What a refresh for an unknown <c>kid</c> established, and the keys to validate with.</summary>
/// <param name="Keys">The usable key set now in memory (null: none, the issuer's keys are unavailable).</param>
/// <param name="Status">Whether the kid was found, checked and absent, or could not be checked.</param>
internal readonly record struct KidRefreshResult(IssuerKeySet? Keys, KidRefreshStatus Status);

internal enum KidRefreshStatus
{
    /// <summary>The key set in <see cref="KidRefreshResult.Keys"/> holds the kid.</summary>
    Found,

    /// <summary>A key set loaded successfully within the unknown-kid interval lacks the kid: the token is refused (401).</summary>
    NotPublished,

    /// <summary>The load that would have checked the kid failed or outlasted the fetch budget (or waits for its backoff): the gateway cannot decide (503).</summary>
    RefreshFailed,
}
