using System.Text;

namespace Gateway.SenderConstraints;

/// <summary>
/// The comparable form of an HTTP target URI for a DPoP proof's <c>htu</c> (RFC 9449 §4.3: the request's URI without
/// query and fragment, compared after syntax- and scheme-based normalisation, RFC 3986 §6.2.2 and §6.2.3): scheme and
/// host lower-cased, the scheme's default port dropped, percent-encodings of unreserved characters decoded and other
/// percent-encodings upper-cased, dot segments removed, an empty path read as <c>/</c>.
/// </summary>
internal static class HttpTargetUri
{
    /// <summary>The normalised origin (<c>https://host[:port]</c>) of an absolute http(s) URI, or null.</summary>
    public static string? Origin(string scheme, string host, int? port)
    {
        scheme = scheme.ToLowerInvariant();
        if (scheme is not ("http" or "https") || host.Length == 0)
        {
            return null;
        }

        var defaultPort = scheme == "https" ? 443 : 80;
        host = host.ToLowerInvariant();
        return port is null || port == defaultPort ? $"{scheme}://{host}" : $"{scheme}://{host}:{port}";
    }

    /// <summary>Parses <paramref name="htu"/> into its normalised origin and path (query and fragment ignored), or false.</summary>
    public static bool TryParse(string htu, out string origin, out string path)
    {
        origin = "";
        path = "";
        if (htu.Length is 0 or > 8192 || !Uri.TryCreate(htu, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0
            || Origin(uri.Scheme, uri.IdnHost.Contains(':') && !uri.IdnHost.StartsWith('[') ? $"[{uri.IdnHost}]" : uri.IdnHost, uri.Port) is not { } normalisedOrigin)
        {
            return false;
        }

        // The path as written (System.Uri may already have rewritten parts of it; normalising again is harmless).
        var rawPath = uri.GetComponents(UriComponents.Path | UriComponents.KeepDelimiter, UriFormat.UriEscaped);
        if (NormalisePath(rawPath) is not { } normalisedPath)
        {
            return false;
        }

        origin = normalisedOrigin;
        path = normalisedPath;
        return true;
    }

    /// <summary>The path part of a raw request target (origin-form <c>/a/b?q</c> or absolute-form), normalised; null if unusable.</summary>
    public static string? RequestPath(string rawTarget)
    {
        var target = rawTarget.AsSpan();
        var query = target.IndexOfAny('?', '#');
        if (query >= 0)
        {
            target = target[..query];
        }

        if (target.Length > 0 && target[0] != '/')
        {
            // absolute-form: scheme://authority/path
            var authority = target.IndexOf("://", StringComparison.Ordinal);
            if (authority < 0)
            {
                return null;
            }

            var rest = target[(authority + 3)..];
            var slash = rest.IndexOf('/');
            target = slash < 0 ? "/" : rest[slash..];
        }

        return NormalisePath(target.ToString());
    }

    /// <summary>RFC 3986 §6.2.2 on a path: percent-encoding normalisation, then dot-segment removal (§5.2.4). Null on a broken escape.</summary>
    public static string? NormalisePath(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        var builder = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c != '%')
            {
                builder.Append(c);
                continue;
            }

            if (i + 2 >= path.Length || !Uri.IsHexDigit(path[i + 1]) || !Uri.IsHexDigit(path[i + 2]))
            {
                return null;
            }

            var value = (char)Convert.ToInt32(path.Substring(i + 1, 2), 16);
            if (char.IsAsciiLetterOrDigit(value) || value is '-' or '.' or '_' or '~')
            {
                builder.Append(value);
            }
            else
            {
                builder.Append('%').Append(char.ToUpperInvariant(path[i + 1])).Append(char.ToUpperInvariant(path[i + 2]));
            }

            i += 2;
        }

        return RemoveDotSegments(builder.ToString());
    }

    private static string RemoveDotSegments(string path)
    {
        if (!path.Contains('.', StringComparison.Ordinal))
        {
            return path.Length == 0 ? "/" : path;
        }

        var segments = path.Split('/');
        var output = new List<string>(segments.Length);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment == ".")
            {
                if (i == segments.Length - 1)
                {
                    output.Add("");
                }
            }
            else if (segment == "..")
            {
                if (output.Count > 1)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (i == segments.Length - 1)
                {
                    output.Add("");
                }
            }
            else
            {
                output.Add(segment);
            }
        }

        var result = string.Join('/', output);
        return result.Length == 0 ? "/" : result.StartsWith('/') ? result : "/" + result;
    }
}
