using System.Text.RegularExpressions;

namespace Gateway.Cors;

/// <summary>
/// One entry of a CORS policy's <c>AllowedOrigins</c>, checked against the form a browser sends in <c>Origin</c>
/// (RFC 6454 §6.2: lowercase scheme and host, the port only when it is not the scheme's default, nothing after it):
/// an entry a browser can never send would silently never match. Forms: <c>scheme://host[:port]</c>,
/// <c>scheme://*.domain[:port]</c> (every subdomain, at any depth, of a domain of at least two labels, never the
/// domain itself), or <c>*</c> (any origin).
/// </summary>
internal sealed partial record OriginPattern(string Scheme, string Host, int? Port, bool IsWildcardSubdomain)
{
    public const string AnyOrigin = "*";

    /// <summary>The exact text a browser sends for this origin (for a wildcard: with <c>*.</c> in front of the domain).</summary>
    public string Text => Port is { } port ? $"{Scheme}://{Host}:{port}" : $"{Scheme}://{Host}";

    /// <summary>Parses <paramref name="value"/>; on failure returns null and why, for the configuration error.</summary>
    public static OriginPattern? TryParse(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "empty origin";
            return null;
        }

        if (string.Equals(value, "null", StringComparison.OrdinalIgnoreCase))
        {
            error = "'null' is the origin of sandboxed pages and local files: any page can send it, so it can never be allowed";
            return null;
        }

        var match = OriginForm().Match(value);
        if (!match.Success)
        {
            error = value.Contains("://", StringComparison.Ordinal) && value.IndexOf('/', value.IndexOf("://", StringComparison.Ordinal) + 3) >= 0
                ? $"'{value}' has a path: an origin is scheme://host[:port], with no path, not even '/'"
                : $"'{value}' is not an origin: write scheme://host[:port] (e.g. https://app.example.com), scheme://*.domain for every subdomain, or * for any origin";
            return null;
        }

        if (!string.Equals(value, value.ToLowerInvariant(), StringComparison.Ordinal))
        {
            error = $"'{value}' has capital letters: browsers send origins in lowercase, write '{value.ToLowerInvariant()}'";
            return null;
        }

        var scheme = match.Groups["scheme"].Value;
        var host = match.Groups["host"].Value;
        int? port = null;
        if (match.Groups["port"].Success)
        {
            if (!int.TryParse(match.Groups["port"].Value, out var number) || number is < 1 or > 65535)
            {
                error = $"'{value}': the port must be between 1 and 65535";
                return null;
            }

            if ((scheme == "https" && number == 443) || (scheme == "http" && number == 80))
            {
                error = $"'{value}': browsers never send the scheme's default port; write '{scheme}://{host}'";
                return null;
            }

            port = number;
        }

        var wildcard = host.StartsWith("*.", StringComparison.Ordinal);
        var domain = wildcard ? host[2..] : host;
        if (domain.Contains('*', StringComparison.Ordinal))
        {
            error = $"'{value}': '*' may only be the whole first label of the host (https://*.example.com)";
            return null;
        }

        if (!IsHost(domain))
        {
            error = $"'{value}': '{domain}' is not a host name or IP address";
            return null;
        }

        if (wildcard && (domain.StartsWith('[') || domain.Split('.').Length < 2 || domain.All(c => char.IsAsciiDigit(c) || c == '.')))
        {
            error = $"'{value}': a wildcard needs a domain of at least two labels under it (https://*.example.com)";
            return null;
        }

        return new OriginPattern(scheme, domain, port, wildcard);
    }

    /// <summary>Whether <paramref name="origin"/>, as a browser sent it, is allowed by this wildcard entry.</summary>
    public bool MatchesSubdomain(string origin)
    {
        // scheme "://" label(s) "." domain [":" port], all exactly as configured but the leading labels.
        var prefix = Scheme.Length + 3;
        if (origin.Length <= prefix || !origin.StartsWith(Scheme, StringComparison.Ordinal) || string.CompareOrdinal(origin, Scheme.Length, "://", 0, 3) != 0)
        {
            return false;
        }

        var hostAndPort = origin.AsSpan(prefix);
        ReadOnlySpan<char> host;
        if (Port is { } port)
        {
            var suffix = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!hostAndPort.EndsWith(suffix, StringComparison.Ordinal))
            {
                return false;
            }

            host = hostAndPort[..^suffix.Length];
        }
        else
        {
            host = hostAndPort;
        }

        // At least one label, then ".domain": never the domain itself, never "evil-example.com".
        if (host.Length <= Host.Length + 1 || !host.EndsWith(Host, StringComparison.Ordinal) || host[^(Host.Length + 1)] != '.')
        {
            return false;
        }

        return IsDnsName(host[..^(Host.Length + 1)]);
    }

    private static bool IsHost(string host) =>
        host.StartsWith('[') ? host.EndsWith(']') && System.Net.IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        : IsDnsName(host);

    // Lowercase LDH labels separated by single dots (IPv4 addresses are such names too).
    private static bool IsDnsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 253)
        {
            return false;
        }

        var labelLength = 0;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '.')
            {
                if (labelLength == 0 || name[i - 1] == '-')
                {
                    return false;
                }

                labelLength = 0;
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || (c == '-' && labelLength > 0))
            {
                if (++labelLength > 63)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return labelLength > 0 && name[^1] != '-';
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?<host>\[[0-9A-Fa-f:.]+\]|[^/:?#@\[\]\s]+)(:(?<port>[0-9]{1,5}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex OriginForm();
}
