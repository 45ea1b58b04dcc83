using Gateway.Configuration.Rules;
using Gateway.Introspection;

namespace Gateway.Configuration.Validation;

/// <summary>Token introspection (<c>Gateway:Issuers:{name}:Introspection</c>, RFC 7662): at most one issuer, a reachable endpoint, a client secret.</summary>
internal sealed class IntrospectionRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        string? first = null;
        foreach (var (name, issuer) in context.Gateway.Issuers)
        {
            if (issuer.Introspection is not { } introspection)
            {
                continue;
            }

            var path = $"Gateway:Issuers:{name}:Introspection";
            if (first is not null)
            {
                context.Add(path, $"only one issuer may introspect tokens ('{first}' already does): an opaque token names no issuer");
            }

            first ??= name;
            if (issuer.Development)
            {
                context.Add(path, "the development issuer signs its own tokens: it cannot introspect");
            }

            if (introspection.Endpoint is null && issuer.Authority is null && issuer.MetadataAddress is null)
            {
                context.Add($"{path}:Endpoint", "required when the issuer has no Authority or MetadataAddress whose discovery names the introspection_endpoint");
            }

            IssuerUrlCheck.Validate(introspection.Endpoint, $"{path}:Endpoint", issuer, context);
            if (ExpectedIssuer.Of(issuer, "") is not { Length: > 0 })
            {
                context.Add($"Gateway:Issuers:{name}:Issuer", "required with Introspection when Authority is not set: the exact 'iss' the authorization server names");
            }

            if (!Enum.IsDefined(introspection.Tokens))
            {
                context.Add($"{path}:Tokens", "must be Opaque or All");
            }

            if (string.IsNullOrWhiteSpace(introspection.ClientId))
            {
                context.Add($"{path}:ClientId", "required: the gateway's client id at the authorization server");
            }

            if (introspection.ClientAuthentication is not (IntrospectionClientAuthentication.Basic or IntrospectionClientAuthentication.Post))
            {
                context.Add($"{path}:ClientAuthentication", $"'{introspection.ClientAuthentication}' is not supported: use {IntrospectionClientAuthentication.Basic} or {IntrospectionClientAuthentication.Post}");
            }

            ValidateClientSecret(introspection, path, context);
            ValueChecks.RequirePositive(introspection.Timeout, $"{path}:Timeout", context);
            if (introspection.Timeout > TimeSpan.FromSeconds(30))
            {
                context.Add($"{path}:Timeout", "must be at most 00:00:30: a request waits this long for the authorization server");
            }

            ValueChecks.RequirePositive(introspection.MaxCacheDuration, $"{path}:MaxCacheDuration", context);
            if (introspection.MaxCacheDuration > TimeSpan.FromHours(1))
            {
                context.Add($"{path}:MaxCacheDuration", "must be at most 01:00:00: a revoked token stays accepted until its cached answer expires");
            }

            if (introspection.InactiveCacheDuration < TimeSpan.Zero || introspection.InactiveCacheDuration > TimeSpan.FromMinutes(5))
            {
                context.Add($"{path}:InactiveCacheDuration", "must be between 00:00:00 and 00:05:00");
            }

            ValueChecks.RequireRange(introspection.MaxCacheEntries, 1, 10_000_000, $"{path}:MaxCacheEntries", context);
        }
    }

    private static void ValidateClientSecret(IntrospectionOptions introspection, string path, ConfigValidationContext context)
    {
        var hasValue = !string.IsNullOrEmpty(introspection.ClientSecret);
        if (hasValue == (introspection.ClientSecretFile is not null))
        {
            context.Add(path, hasValue
                ? "set only one of ClientSecret and ClientSecretFile"
                : "no client secret: set ClientSecret (from a secret, e.g. the environment variable) or ClientSecretFile");
            return;
        }

        if (introspection.ClientSecretFile is { } file)
        {
            if (string.IsNullOrWhiteSpace(file) || !Path.IsPathFullyQualified(file))
            {
                context.Add($"{path}:ClientSecretFile", $"'{file}' is not an absolute path");
            }
            else if (IntrospectionClientSecret.Read(introspection) is not { } secret)
            {
                context.Add($"{path}:ClientSecretFile", $"'{file}' could not be read or is empty");
            }
            else if (!context.IsDevelopment && PlaceholderSecretRule.IsPlaceholder(secret))
            {
                // The file's content is never quoted: it is a secret.
                context.Add($"{path}:ClientSecretFile", $"'{file}' holds a placeholder: supply the client secret");
            }
        }
    }
}
