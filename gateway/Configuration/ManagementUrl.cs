namespace Gateway.Configuration;

/// <summary>A parsed <c>Gateway:Management:Url</c>: what Kestrel listens on, and the local port that identifies management requests.</summary>
internal sealed record ManagementUrl(string ListenUrl, int Port)
{
    /// <summary>
    /// <c>http://HOST:PORT</c> (optionally with a trailing <c>/</c>), HOST a name, an IP address, or Kestrel's
    /// wildcards <c>*</c> and <c>+</c>; PORT explicit and not 0. Null when it is anything else.
    /// </summary>
    public static ManagementUrl? TryParse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Kestrel's wildcard hosts are not valid URI hosts: parse them as a placeholder name.
        var rest = url["http://".Length..].TrimEnd('/');
        var parseable = rest.StartsWith('*') || rest.StartsWith('+') ? "wildcard" + rest[1..] : rest;
        if (!Uri.TryCreate("http://" + parseable, UriKind.Absolute, out var uri)
            || uri.IsDefaultPort && !parseable.EndsWith(":80", StringComparison.Ordinal)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || uri.Port is <= 0 or > 65535)
        {
            return null;
        }

        return new ManagementUrl("http://" + rest, uri.Port);
    }
}
