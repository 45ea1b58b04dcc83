using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Hosting;

/// <summary>
/// TLS trust for the identity provider backchannel (discovery and JWKS). With
/// <c>Gateway:Backchannel:CaBundlePath</c>, the server certificate must chain to a CA of that PEM bundle
/// (custom root trust: the system store is ignored) and name the host; without it, the system trust store applies.
/// </summary>
internal static class BackchannelTrust
{
    /// <summary>The certificates of a PEM bundle, or null with a reason when the file is missing, unreadable or holds none.</summary>
    public static X509Certificate2Collection? TryLoad(string path, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            error = $"cannot read the CA bundle '{path}': {ex.Message}";
            return null;
        }

        if (certificates.Count == 0)
        {
            error = $"the CA bundle '{path}' holds no PEM certificate";
            return null;
        }

        error = null;
        return certificates;
    }

    /// <summary>The primary handler of the key-fetching HttpClient.</summary>
    public static SocketsHttpHandler CreateHandler(string? caBundlePath)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (caBundlePath is null)
        {
            return handler;
        }

        var roots = TryLoad(caBundlePath, out var error) ?? throw new InvalidOperationException(error);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, roots),
        };
        return handler;
    }

    /// <summary>True when the certificate names the host and chains to one of <paramref name="roots"/> (and only them). Also used for Redis TLS.</summary>
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        // The host name must match and a certificate must be present whatever the trust store.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
