namespace Gateway.Configuration;

/// <summary>
/// The <c>Gateway:CertificateBinding</c> section: certificate-bound tokens (RFC 8705). A token carrying
/// <c>cnf["x5t#S256"]</c> is accepted only from the client holding that certificate: the TLS client certificate of the
/// connection (Kestrel's <c>ClientCertificateMode</c>), or, behind a TLS-terminating proxy, the certificate the proxy
/// passes in <see cref="ClientCertificateHeader"/>. See docs/sender-constrained-tokens.md.
/// </summary>
internal sealed record CertificateBindingOptions
{
    /// <summary>
    /// Whether Kestrel checks a client certificate's chain against the system trust store (default true, Kestrel's
    /// behaviour). False accepts any client certificate at the TLS handshake: the certificate then proves nothing
    /// but possession of its key, which is what a token's binding checks (RFC 8705 §2.2, self-signed certificates).
    /// </summary>
    public bool ValidateClientCertificateChain { get; init; } = true;

    /// <summary>
    /// Header in which a TLS-terminating proxy passes the client's certificate (URL-encoded PEM, like nginx's
    /// <c>$ssl_client_escaped_cert</c>). Off (null) by default; honoured only from <see cref="TrustedProxies"/>,
    /// removed from every request.
    /// </summary>
    public string? ClientCertificateHeader { get; init; }

    /// <summary>Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of the proxies allowed to send <see cref="ClientCertificateHeader"/>.</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}
