namespace Gateway.SenderConstraints;

/// <summary>
/// Remembers the DPoP proofs (by key and <c>jti</c>) already used, for as long as a proof could still be accepted.
/// Failure contract: never throws; an answer it cannot give is <see cref="ReplayCheck.Unavailable"/> (fail closed).
/// </summary>
internal interface IDpopReplayCache
{
    /// <summary>Records <paramref name="proofId"/> (a 128-bit hash of the proof key's thumbprint and the <c>jti</c>) for <paramref name="retention"/>.</summary>
    ValueTask<ReplayCheck> TryUseAsync(UInt128 proofId, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Where proofs are remembered now (<c>redis</c> or <c>memory</c>), for readiness and telemetry.</summary>
    string Store { get; }
}
