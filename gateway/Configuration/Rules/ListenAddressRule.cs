using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration.Rules;

/// <summary>
/// What Kestrel reads when the server starts: <c>Urls</c> (also <c>ASPNETCORE_URLS</c>, <c>--urls</c>),
/// <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, and <c>Kestrel:Endpoints</c> with their certificates. Kestrel
/// refuses a bad address or a missing certificate only when it starts listening, after <c>check-config</c>
/// said valid; here the same mistakes are errors with their path (certificates: <see cref="KestrelCertificateRule"/>).
/// </summary>
internal static class ListenAddressRule
{
    public static void Check(IConfiguration configuration, bool isDevelopment, List<ConfigError> errors)
    {
        var kestrel = configuration.GetSection("Kestrel");
        var endpoints = kestrel.GetSection("Endpoints");
        var hasDefaultCertificate = KestrelCertificateRule.CheckNamed(kestrel.GetSection("Certificates"), errors);

        // Kestrel ignores Urls and the *_PORTS settings when Kestrel:Endpoints is set; they are still checked.
        var httpsNeedsCertificate = !endpoints.Exists() && !hasDefaultCertificate && !isDevelopment;
        if (TopLevel(configuration, "urls") is { Value: { } urls } setting)
        {
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (CheckUrl(url, setting.Path, errors) && httpsNeedsCertificate && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new(setting.Path, $"'{url}' is HTTPS but no certificate is configured: set Kestrel:Certificates:Default (Path and KeyPath, or Path and Password), or use Kestrel:Endpoints"));
                }
            }
        }

        CheckPorts(TopLevel(configuration, "http_ports"), errors);
        if (TopLevel(configuration, "https_ports") is { } httpsPorts && CheckPorts(httpsPorts, errors) && httpsNeedsCertificate)
        {
            errors.Add(new(httpsPorts.Path, "HTTPS ports need a certificate: set Kestrel:Certificates:Default"));
        }

        foreach (var endpoint in endpoints.GetChildren())
        {
            CheckEndpoint(endpoint, hasDefaultCertificate, isDevelopment, errors);
        }

        CheckEndpointOptions(kestrel.GetSection("EndpointDefaults"), errors);

        // The management listener is added to the same address list (its form is checked with Gateway:Management).
        if (configuration["Gateway:Management:Url"] is { } management && ManagementUrl.TryParse(management) is not null)
        {
            CheckUrl(management, "Gateway:Management:Url", errors);
        }
    }

    private static void CheckEndpointOptions(IConfigurationSection endpoint, List<ConfigError> errors)
    {
        CheckEnum<HttpProtocols>(endpoint.GetSection("Protocols"), errors);
        CheckEnum<ClientCertificateMode>(endpoint.GetSection("ClientCertificateMode"), errors);
        foreach (var protocol in endpoint.GetSection("SslProtocols").GetChildren())
        {
            CheckEnum<SslProtocols>(protocol, errors);
        }
    }

    private static void CheckEndpoint(IConfigurationSection endpoint, bool hasDefaultCertificate, bool isDevelopment, List<ConfigError> errors)
    {
        var url = endpoint["Url"];
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add(new($"{endpoint.Path}:Url", "required: the address this endpoint listens on, e.g. https://0.0.0.0:8443"));
        }
        else if (CheckUrl(url, $"{endpoint.Path}:Url", errors) && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var certificate = endpoint.GetSection("Certificate");
            if (certificate.Exists())
            {
                KestrelCertificateRule.Check(certificate, errors);
            }
            else if (!hasDefaultCertificate && !isDevelopment)
            {
                errors.Add(new($"{endpoint.Path}:Certificate", "an HTTPS endpoint needs a certificate: set Certificate:Path (with KeyPath, or Password for a PKCS#12 file) here or Kestrel:Certificates:Default"));
            }
        }

        CheckEndpointOptions(endpoint, errors);
        CheckCleartextProtocols(endpoint, url, errors);
    }

    // Without TLS there is no ALPN to choose a protocol: Kestrel serves Http1AndHttp2 as HTTP/1.1 only (a warning at
    // startup, then every HTTP/2 client, gRPC included, fails), and HTTP/3 needs TLS. Cleartext HTTP/2 (h2c, prior
    // knowledge) is an endpoint of its own with Protocols "Http2".
    private static void CheckCleartextProtocols(IConfigurationSection endpoint, string? url, List<ConfigError> errors)
    {
        var protocols = endpoint.GetSection("Protocols");
        if (url is null || !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || !Enum.TryParse<HttpProtocols>(protocols.Value, ignoreCase: true, out var value))
        {
            return;
        }

        if (value.HasFlag(HttpProtocols.Http3))
        {
            errors.Add(new(protocols.Path, $"'{protocols.Value}' on a cleartext (http://) endpoint: HTTP/3 needs TLS; use an https:// endpoint"));
        }
        else if (value == HttpProtocols.Http1AndHttp2)
        {
            errors.Add(new(protocols.Path, "'Http1AndHttp2' on a cleartext (http://) endpoint serves HTTP/1.1 only (HTTP/2 is negotiated by TLS ALPN): use an https:// endpoint, or a separate endpoint with Protocols 'Http2' for cleartext HTTP/2 (h2c with prior knowledge, as gRPC clients use it)"));
        }
    }

    // Kestrel's own parser (BindingAddress) accepts only http:// and https:// with a host (a name, an IP, * or +).
    private static bool CheckUrl(string url, string path, List<ConfigError> errors)
    {
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new(path, $"'{url}' is not an http:// or https:// address"));
            return false;
        }

        try
        {
            var address = Microsoft.AspNetCore.Http.BindingAddress.Parse(url);
            if (string.IsNullOrEmpty(address.Host) || address.Port is < 0 or > 65535)
            {
                errors.Add(new(path, $"'{url}' has no host or a port outside 0-65535"));
                return false;
            }

            // Kestrel binds any host that is not an IP address or localhost to EVERY interface ("http://127.0.0.1:http"
            // listened on [::]:80): say so instead of widening what the operator wrote.
            if (address.Host is not ("*" or "+") && !string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                && !System.Net.IPAddress.TryParse(address.Host.Trim('[', ']'), out _))
            {
                errors.Add(new(path, $"'{url}': '{address.Host}' is not an IP address, localhost, * or +, and Kestrel would listen on every interface; write http://0.0.0.0:PORT (or *) for every interface, or the interface's IP address"));
                return false;
            }
        }
        catch (FormatException ex)
        {
            errors.Add(new(path, $"'{url}' is not a listen address: {ex.Message}"));
            return false;
        }

        return true;
    }

    // The key as it is spelt in the configuration (Urls, URLS from ASPNETCORE_URLS, ...), so the error names it.
    private static IConfigurationSection? TopLevel(IConfiguration configuration, string key) =>
        configuration.GetChildren().FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(c.Value));

    private static bool CheckPorts(IConfigurationSection? setting, List<ConfigError> errors)
    {
        if (setting?.Value is not { } ports)
        {
            return false;
        }

        foreach (var port in ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number > 65535)
            {
                errors.Add(new(setting.Path, $"'{port}' is not a port number (0-65535)"));
            }
        }

        return true;
    }

    private static void CheckEnum<T>(IConfigurationSection section, List<ConfigError> errors)
        where T : struct, Enum
    {
        if (section.Value is { } value && (!Enum.TryParse<T>(value, ignoreCase: true, out _) || int.TryParse(value, out _)))
        {
            errors.Add(new(section.Path, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}"));
        }
    }
}
