namespace Gateway.Keys;

/// <summary>
/// A key source on this replica (a JWKS file, or inline JWKS) rather than an identity provider: reading it costs
/// nothing, so it is read again only when it changed, never on a schedule; it is never shared through Redis (each
/// replica reads its own); and its keys do not go stale (the source is the truth: while it is unreadable or
/// invalid, its last good keys stay).
/// </summary>
internal interface ILocalKeySource : IKeyDocumentFetcher
{
    /// <summary>What <c>/health/ready</c> and the load span report as the keys' source: <see cref="KeySetSource.File"/> or <see cref="KeySetSource.Inline"/>.</summary>
    KeySetSource Kind { get; }

    /// <summary>
    /// Whether the source differs from what <see cref="IKeyDocumentFetcher.FetchAsync"/> last read (true before the
    /// first read). Never throws: a source that cannot be read counts as changed once, when it becomes unreadable.
    /// </summary>
    ValueTask<bool> HasChangedAsync(CancellationToken cancellationToken);
}
