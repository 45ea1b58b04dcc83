namespace Gateway.Configuration;

/// <summary>How the gateway talks to identity providers (discovery and JWKS requests). Read at startup.</summary>
internal sealed record BackchannelOptions
{
    /// <summary>
    /// A PEM file of CA certificates; when set, the identity provider's TLS certificate must chain to one of
    /// them (and only them: the system trust store is not used). For a private CA or a Kubernetes secret mount.
    /// </summary>
    public string? CaBundlePath { get; init; }
}
