namespace Gateway.Keys;

/// <summary>Where a key set in memory came from.</summary>
internal enum KeySetSource
{
    /// <summary>Fetched from the issuer's identity provider (or the local development issuer).</summary>
    IdentityProvider,

    /// <summary>Read from the shared store (Redis): another replica fetched it.</summary>
    SharedStore,

    /// <summary>Read from a JWKS file on this replica.</summary>
    File,

    /// <summary>The JWKS inline in the configuration.</summary>
    Inline,
}

/// <summary>
/// The one place a <see cref="KeySetSource"/> becomes text: readiness, the dashboard, logs and the load span's
/// <c>jwtgw.keys.source</c> tag all show these names (documented in docs/operations.md; changing one breaks dashboards).
/// </summary>
internal static class KeySetSourceNames
{
    public static string Name(this KeySetSource source) => source switch
    {
        KeySetSource.IdentityProvider => "idp",
        KeySetSource.SharedStore => "redis",
        KeySetSource.File => "file",
        KeySetSource.Inline => "inline",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };
}
