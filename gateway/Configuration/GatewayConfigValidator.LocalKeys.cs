using Gateway.Keys;

namespace Gateway.Configuration;

/// <summary>The rules for keys on this replica: a JWKS file (<c>JwksFile</c>) or inline JWKS (<c>Jwks</c>).</summary>
internal sealed partial class GatewayConfigValidator
{
    /// <summary>
    /// Both need the exact <c>Issuer</c> (no discovery document names it). The file must be named by an absolute path
    /// (a relative one would depend on the working directory) and must be readable and pass <see cref="LocalJwks"/>'s
    /// rules whenever the configuration is loaded (at start, in <c>check-config</c> and on a reload); once running,
    /// a file that goes missing or invalid keeps the last good keys instead.
    /// </summary>
    private static void ValidateLocalKeySource(IssuerOptions issuer, string path, List<ConfigError> errors)
    {
        if ((issuer.JwksFile is not null || issuer.Jwks is not null) && string.IsNullOrEmpty(issuer.Issuer))
        {
            errors.Add(new($"{path}:Issuer", $"required with {(issuer.JwksFile is not null ? "JwksFile" : "Jwks")}: the exact 'iss' value tokens of this issuer carry"));
        }

        if (issuer.JwksFile is { } file)
        {
            if (string.IsNullOrWhiteSpace(file) || !Path.IsPathFullyQualified(file))
            {
                errors.Add(new($"{path}:JwksFile", $"'{file}' is not an absolute path"));
            }
            else
            {
                var (bytes, error) = FileKeyDocumentFetcher.Read(file);
                if (bytes is null)
                {
                    errors.Add(new($"{path}:JwksFile", $"'{file}' could not be read: {error}"));
                }
                else if (LocalJwks.Problem(System.Text.Encoding.UTF8.GetString(bytes)) is { } problem)
                {
                    errors.Add(new($"{path}:JwksFile", $"'{file}' is not a usable JWKS: {problem}"));
                }
            }
        }

        if (issuer.Jwks is { } inline && LocalJwks.Problem(inline) is { } inlineProblem)
        {
            errors.Add(new($"{path}:Jwks", $"not a usable JWKS: {inlineProblem} (the value is a JWKS as a JSON string: \"{{\\\"keys\\\":[...]}}\")"));
        }
    }
}
