using Gateway.Keys;

namespace Gateway.Configuration.Validation.Issuers;

/// <summary>
/// Keys on this replica: a JWKS file (<c>JwksFile</c>) or inline JWKS (<c>Jwks</c>). Both need the exact
/// <c>Issuer</c> (no discovery document names it). The file must be named by an absolute path (a relative one would
/// depend on the working directory) and must be readable and pass <see cref="LocalJwks"/>'s rules whenever the
/// configuration is loaded (at start, in <c>check-config</c> and on a reload); once running, a file that goes
/// missing or invalid keeps the last good keys instead.
/// </summary>
internal sealed class LocalKeySourceRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        if ((issuer.JwksFile is not null || issuer.Jwks is not null) && string.IsNullOrEmpty(issuer.Issuer))
        {
            context.Add($"{path}:Issuer", $"required with {(issuer.JwksFile is not null ? "JwksFile" : "Jwks")}: the exact 'iss' value tokens of this issuer carry");
        }

        if (issuer.JwksFile is { } file)
        {
            if (string.IsNullOrWhiteSpace(file) || !Path.IsPathFullyQualified(file))
            {
                context.Add($"{path}:JwksFile", $"'{file}' is not an absolute path");
            }
            else
            {
                var (bytes, error) = FileKeyDocumentFetcher.Read(file);
                if (bytes is null)
                {
                    context.Add($"{path}:JwksFile", $"'{file}' could not be read: {error}");
                }
                else if (LocalJwks.Problem(System.Text.Encoding.UTF8.GetString(bytes)) is { } problem)
                {
                    context.Add($"{path}:JwksFile", $"'{file}' is not a usable JWKS: {problem}");
                }
            }
        }

        if (issuer.Jwks is { } inline && LocalJwks.Problem(inline) is { } inlineProblem)
        {
            context.Add($"{path}:Jwks", $"not a usable JWKS: {inlineProblem} (the value is a JWKS as a JSON string: \"{{\\\"keys\\\":[...]}}\")");
        }
    }
}
