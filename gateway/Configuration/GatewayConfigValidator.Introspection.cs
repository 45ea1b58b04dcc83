using Gateway.Configuration.Rules;

namespace Gateway.Configuration;

/// <summary>The rules for token introspection (<c>Gateway:Issuers:{name}:Introspection</c>, RFC 7662).</summary>
internal sealed partial class GatewayConfigValidator
{
    /// <summary>
    /// Whether the issuer's tokens are verified by signature with keys from a key source (and so need keys): not when it
    /// has none, nor when it introspects every token (<c>Tokens: All</c>), where its Authority serves only discovery.
    /// </summary>
    public static bool VerifiesSignatures(IssuerOptions issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var hasKeySource = issuer.Authority is not null || issuer.MetadataAddress is not null || issuer.JwksUri is not null
            || issuer.JwksFile is not null || issuer.Jwks is not null || issuer.Development;
        return hasKeySource && issuer.Introspection is not { Tokens: IntrospectedTokens.All };
    }

    /// <summary>The client secret: the value, else the file's content (trimmed of a final line break); null when neither can be read.</summary>
    public static string? IntrospectionClientSecret(IntrospectionOptions introspection)
    {
        ArgumentNullException.ThrowIfNull(introspection);
        if (!string.IsNullOrEmpty(introspection.ClientSecret))
        {
            return introspection.ClientSecret;
        }

        if (introspection.ClientSecretFile is not { } file || !Path.IsPathFullyQualified(file))
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(file).TrimEnd('\r', '\n');
            return text.Length > 0 ? text : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void ValidateIntrospection(GatewayOptions gateway, bool isDevelopment, List<ConfigError> errors)
    {
        string? first = null;
        foreach (var (name, issuer) in gateway.Issuers)
        {
            if (issuer.Introspection is not { } introspection)
            {
                continue;
            }

            var path = $"Gateway:Issuers:{name}:Introspection";
            if (first is not null)
            {
                errors.Add(new(path, $"only one issuer may introspect tokens ('{first}' already does): an opaque token names no issuer"));
            }

            first ??= name;
            if (issuer.Development)
            {
                errors.Add(new(path, "the development issuer signs its own tokens: it cannot introspect"));
            }

            if (introspection.Endpoint is null && issuer.Authority is null && issuer.MetadataAddress is null)
            {
                errors.Add(new($"{path}:Endpoint", "required when the issuer has no Authority or MetadataAddress whose discovery names the introspection_endpoint"));
            }

            ValidateUrl(introspection.Endpoint, $"{path}:Endpoint", issuer, isDevelopment, errors);
            if (ExpectedIssuer(issuer, "") is not { Length: > 0 })
            {
                errors.Add(new($"Gateway:Issuers:{name}:Issuer", "required with Introspection when Authority is not set: the exact 'iss' the authorization server names"));
            }

            if (!Enum.IsDefined(introspection.Tokens))
            {
                errors.Add(new($"{path}:Tokens", "must be Opaque or All"));
            }

            if (string.IsNullOrWhiteSpace(introspection.ClientId))
            {
                errors.Add(new($"{path}:ClientId", "required: the gateway's client id at the authorization server"));
            }

            if (introspection.ClientAuthentication is not (IntrospectionClientAuthentication.Basic or IntrospectionClientAuthentication.Post))
            {
                errors.Add(new($"{path}:ClientAuthentication", $"'{introspection.ClientAuthentication}' is not supported: use {IntrospectionClientAuthentication.Basic} or {IntrospectionClientAuthentication.Post}"));
            }

            ValidateClientSecret(introspection, path, isDevelopment, errors);
            RequirePositive(introspection.Timeout, $"{path}:Timeout", errors);
            if (introspection.Timeout > TimeSpan.FromSeconds(30))
            {
                errors.Add(new($"{path}:Timeout", "must be at most 00:00:30: a request waits this long for the authorization server"));
            }

            RequirePositive(introspection.MaxCacheDuration, $"{path}:MaxCacheDuration", errors);
            if (introspection.MaxCacheDuration > TimeSpan.FromHours(1))
            {
                errors.Add(new($"{path}:MaxCacheDuration", "must be at most 01:00:00: a revoked token stays accepted until its cached answer expires"));
            }

            if (introspection.InactiveCacheDuration < TimeSpan.Zero || introspection.InactiveCacheDuration > TimeSpan.FromMinutes(5))
            {
                errors.Add(new($"{path}:InactiveCacheDuration", "must be between 00:00:00 and 00:05:00"));
            }

            RequireRange(introspection.MaxCacheEntries, 1, 10_000_000, $"{path}:MaxCacheEntries", errors);
        }
    }

    private static void ValidateClientSecret(IntrospectionOptions introspection, string path, bool isDevelopment, List<ConfigError> errors)
    {
        var hasValue = !string.IsNullOrEmpty(introspection.ClientSecret);
        if (hasValue == (introspection.ClientSecretFile is not null))
        {
            errors.Add(new(path, hasValue
                ? "set only one of ClientSecret and ClientSecretFile"
                : "no client secret: set ClientSecret (from a secret, e.g. the environment variable) or ClientSecretFile"));
            return;
        }

        if (introspection.ClientSecretFile is { } file)
        {
            if (string.IsNullOrWhiteSpace(file) || !Path.IsPathFullyQualified(file))
            {
                errors.Add(new($"{path}:ClientSecretFile", $"'{file}' is not an absolute path"));
            }
            else if (IntrospectionClientSecret(introspection) is not { } secret)
            {
                errors.Add(new($"{path}:ClientSecretFile", $"'{file}' could not be read or is empty"));
            }
            else if (!isDevelopment && PlaceholderSecretRule.IsPlaceholder(secret))
            {
                // The file's content is never quoted: it is a secret.
                errors.Add(new($"{path}:ClientSecretFile", $"'{file}' holds a placeholder: supply the client secret"));
            }
        }
    }
}
