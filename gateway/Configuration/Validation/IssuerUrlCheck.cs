namespace Gateway.Configuration.Validation;

/// <summary>A URL the gateway fetches an issuer's metadata, keys or introspection answers from.</summary>
internal static class IssuerUrlCheck
{
    public static void Validate(string? url, string path, IssuerOptions issuer, ConfigValidationContext context)
    {
        if (url is null)
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            context.Add(path, $"'{url}' is not an absolute http(s) URL");
            return;
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (issuer.RequireHttpsMetadata)
            {
                context.Add(path, "plain http is refused while RequireHttpsMetadata is true");
            }
            else if (!uri.IsLoopback && !context.IsDevelopment)
            {
                context.Add(path, "plain http is allowed only for loopback addresses or in the Development environment");
            }
        }
    }
}
