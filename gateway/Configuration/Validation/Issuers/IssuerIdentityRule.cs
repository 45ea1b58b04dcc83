using Gateway.Development;

namespace Gateway.Configuration.Validation.Issuers;

/// <summary>
/// The <c>iss</c> an issuer accepts is known (set where no discovery names it), the development issuer stays in
/// Development, and each <c>iss</c> maps to one issuer: a token names its issuer, and two candidates would make
/// the choice of keys and rules ambiguous.
/// </summary>
internal sealed class IssuerIdentityRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        if (issuer.JwksUri is not null && string.IsNullOrEmpty(issuer.Issuer))
        {
            context.Add($"{path}:Issuer", "required with JwksUri: the exact 'iss' value tokens of this issuer carry");
        }

        if (issuer.MetadataAddress is not null && issuer.Authority is null && string.IsNullOrEmpty(issuer.Issuer))
        {
            context.Add($"{path}:Issuer", "required with MetadataAddress when Authority is not set");
        }

        if (issuer.Development && !context.IsDevelopment)
        {
            context.Add($"{path}:Development", "the development issuer is refused outside the Development environment");
        }

        var expected = ExpectedIssuer.Of(issuer, DevelopmentIssuerDefaults.Issuer);
        if (!string.IsNullOrEmpty(expected) && FirstIssuerOf(expected, before: name, context.Gateway) is { } other)
        {
            context.Add($"{path}:Issuer", $"'{expected}' is already the issuer of '{other}': each 'iss' value must map to one issuer");
        }
    }

    // The first issuer configured before `before` that accepts the same iss, or null.
    private static string? FirstIssuerOf(string expected, string before, GatewayOptions gateway)
    {
        foreach (var (name, issuer) in gateway.Issuers)
        {
            if (string.Equals(name, before, StringComparison.Ordinal))
            {
                return null;
            }

            if (string.Equals(ExpectedIssuer.Of(issuer, DevelopmentIssuerDefaults.Issuer), expected, StringComparison.Ordinal))
            {
                return name;
            }
        }

        return null;
    }
}
