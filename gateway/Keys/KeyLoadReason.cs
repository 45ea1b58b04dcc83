namespace Gateway.Keys;

/// <summary>
/// Why a key load runs. The member names are the values of the load span's <c>jwtgw.keys.load_reason</c> tag
/// (docs/operations.md): rename none without changing the documentation.
/// </summary>
internal enum KeyLoadReason
{
    /// <summary>No key set in memory yet.</summary>
    Cold,

    /// <summary>Refresh-ahead: the set in memory is due.</summary>
    Scheduled,

    /// <summary>A token named a kid the set in memory lacks.</summary>
    UnknownKid,

    /// <summary>A local key source (file) changed.</summary>
    SourceChanged,
}

/// <summary>What the key manager asks its <see cref="IKeySource"/> for.</summary>
/// <param name="Reason">Why the load runs; it decides which shared copy will do and which fetch lease is taken.</param>
/// <param name="Kid">For <see cref="KeyLoadReason.UnknownKid"/>: the kid the keys must hold.</param>
internal readonly record struct KeyLoadRequest(KeyLoadReason Reason, string? Kid);
