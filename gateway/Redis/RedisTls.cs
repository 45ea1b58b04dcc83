using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Hosting;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// TLS material for the Redis connection beyond what the configuration string can say: the CA that must
/// have signed Redis's certificate (<c>Gateway:Redis:CaCertificatePath</c>, custom root trust: the system
/// store is then ignored) and the client certificate presented when Redis requires one
/// (<c>Gateway:Redis:ClientCertificatePath</c> + <c>ClientKeyPath</c>, PEM). Used only with <c>ssl=true</c>.
/// </summary>
internal sealed class RedisTls
{
    private RedisTls(X509Certificate2Collection? roots, X509Certificate2? clientCertificate)
    {
        Roots = roots;
        ClientCertificate = clientCertificate;
    }

    public X509Certificate2Collection? Roots { get; }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Null when neither a CA nor a client certificate is configured; throws when a file cannot be used (startup validation reports it first).</summary>
    public static RedisTls? Load(string? caCertificatePath, string? clientCertificatePath, string? clientKeyPath)
    {
        if (string.IsNullOrWhiteSpace(caCertificatePath) && string.IsNullOrWhiteSpace(clientCertificatePath))
        {
            return null;
        }

        X509Certificate2Collection? roots = null;
        if (!string.IsNullOrWhiteSpace(caCertificatePath))
        {
            roots = BackchannelTrust.TryLoad(caCertificatePath, out var error) ?? throw new InvalidOperationException(error);
        }

        X509Certificate2? client = null;
        if (!string.IsNullOrWhiteSpace(clientCertificatePath))
        {
            client = TryLoadClientCertificate(clientCertificatePath, clientKeyPath ?? "", out var error) ?? throw new InvalidOperationException(error);
        }

        return new RedisTls(roots, client);
    }

    /// <summary>A PEM certificate with its PEM private key, or null with a reason.</summary>
    public static X509Certificate2? TryLoadClientCertificate(string certificatePath, string keyPath, out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificatePath);
        ArgumentNullException.ThrowIfNull(keyPath);
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                error = $"the key '{keyPath}' is not the private key of the certificate '{certificatePath}'";
                return null;
            }

            error = null;
            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            error = $"cannot load the client certificate '{certificatePath}' with the key '{keyPath}': {ex.Message}";
            return null;
        }
    }

    /// <summary>Sets the server certificate check and the client certificate on the client's options.</summary>
    public void Apply(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Roots is { } roots)
        {
            options.CertificateValidation += (_, certificate, _, errors) => BackchannelTrust.IsTrusted(certificate, errors, roots);
        }

        if (ClientCertificate is { } client)
        {
            options.CertificateSelection += (_, _, _, _, _) => client;
        }
    }
}
