using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration.Rules;

/// <summary>
/// A Kestrel certificate setting (<c>Kestrel:Certificates:&lt;name&gt;</c>, <c>Kestrel:Endpoints:&lt;name&gt;:Certificate</c>)
/// is loaded as Kestrel would load it, so a wrong path, a wrong password or a certificate without its private
/// key is an error with its path before deployment, not a failure when the server starts.
/// </summary>
internal static class KestrelCertificateRule
{
    // Every named certificate (Default, Development, ...) loads; returns whether a default one is configured.
    public static bool CheckNamed(IConfigurationSection certificates, List<ConfigError> errors)
    {
        // "Development" holds only the password of the ASP.NET Core development certificate (dotnet dev-certs).
        foreach (var certificate in certificates.GetChildren().Where(c => !string.Equals(c.Key, "Development", StringComparison.OrdinalIgnoreCase)))
        {
            Check(certificate, errors);
        }

        var fallback = certificates.GetSection("Default");
        return fallback["Path"] is not null || fallback["Subject"] is not null;
    }

    public static void Check(IConfigurationSection certificate, List<ConfigError> errors)
    {
        var path = certificate["Path"];
        if (string.IsNullOrWhiteSpace(path))
        {
            if (string.IsNullOrWhiteSpace(certificate["Subject"]))
            {
                errors.Add(new($"{certificate.Path}:Path", "required: the certificate file (PEM with KeyPath, or PKCS#12 with Password), or Subject for a certificate store"));
            }

            return; // a store certificate is looked up when the server starts
        }

        if (!File.Exists(path))
        {
            errors.Add(new($"{certificate.Path}:Path", $"'{path}' does not exist"));
            return;
        }

        var keyPath = certificate["KeyPath"];
        if (keyPath is not null && !File.Exists(keyPath))
        {
            errors.Add(new($"{certificate.Path}:KeyPath", $"'{keyPath}' does not exist"));
            return;
        }

        try
        {
            var password = certificate["Password"];
            using var loaded = keyPath is null
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : password is null ? X509Certificate2.CreateFromPemFile(path, keyPath) : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            if (!loaded.HasPrivateKey)
            {
                errors.Add(new($"{certificate.Path}:Path", "the certificate has no private key: set KeyPath (PEM) or use a PKCS#12 file that holds the key"));
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The exception names the file or the format, never the password.
            errors.Add(new($"{certificate.Path}:Path", $"the certificate cannot be loaded ({(keyPath is null ? "PKCS#12" : "PEM certificate and key")}): {ex.Message}"));
        }
    }
}
