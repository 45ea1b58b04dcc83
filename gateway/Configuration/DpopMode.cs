namespace Gateway.Configuration;

/// <summary>
/// Whether requests may or must prove possession of a key with DPoP (RFC 9449), per issuer and per policy.
/// Whatever the mode, a DPoP-bound token (<c>cnf.jkt</c>) is never accepted without a valid proof.
/// </summary>
internal enum DpopMode
{
    /// <summary>No DPoP proofs are accepted: DPoP-bound tokens are refused, bearer tokens work as before.</summary>
    Off,
    /// <summary>Bearer tokens and DPoP-bound tokens with a valid proof are both accepted (the default).</summary>
    Allowed,
    /// <summary>Only DPoP-bound tokens presented with <c>Authorization: DPoP</c> and a valid proof are accepted.</summary>
    Required,
}
