namespace Gateway.SenderConstraints;

/// <summary>The answer of a <see cref="IDpopReplayCache"/>.</summary>
internal enum ReplayCheck
{
    /// <summary>First use: remembered now.</summary>
    First,
    /// <summary>Seen before within its retention: a replay.</summary>
    Replayed,
    /// <summary>Cannot be decided (the bounded memory is full): the proof must not be accepted.</summary>
    Unavailable,
}
