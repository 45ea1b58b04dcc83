namespace Gateway.Configuration;

/// <summary>
/// Token revocation (<c>Gateway:Revocation</c>, see docs/revocation.md). The check itself is always on; these
/// settings size entry lifetimes and enable the management endpoint. Read at startup only, except <see cref="ApiKey"/>,
/// which follows reloads.
/// </summary>
internal sealed record RevocationOptions
{
    /// <summary>
    /// Credential of the revocation endpoint on the management listener (<c>Authorization: Bearer KEY</c>), at least
    /// 32 characters. Unset: no endpoint (the <c>revoke</c> command still works with Redis). Setting it requires
    /// <c>Gateway:Management:Url</c>: the endpoint is never served on the public listener. Follows reloads: a rotated key
    /// applies to the next request and the old one stops working.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// How long a revocation lasts for an issuer without <c>MaxTokenLifetime</c> (a jti without an expiry, a subject
    /// cutoff): the longest a token of that issuer can live. Default 24 hours. Set the issuer's <c>MaxTokenLifetime</c>
    /// so that longer-lived tokens are refused rather than outliving their revocation.
    /// </summary>
    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// With Redis, how often each replica re-reads every revocation even without a change notice (a safety net for a
    /// lost notice). Default 30 s. Changes normally arrive through pub/sub within milliseconds.
    /// </summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);
}
