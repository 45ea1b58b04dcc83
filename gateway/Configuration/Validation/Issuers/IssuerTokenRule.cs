using Gateway.Tokens;

namespace Gateway.Configuration.Validation.Issuers;

/// <summary>What an issuer's tokens are checked for beyond the signature: clock skew, role claim, <c>typ</c>, lifetime.</summary>
internal sealed class IssuerTokenRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        if (issuer.ClockSkew < TimeSpan.Zero || issuer.ClockSkew > TimeSpan.FromMinutes(10))
        {
            context.Add($"{path}:ClockSkew", "must be between 00:00:00 and 00:10:00");
        }

        if (!ClaimPath.IsValid(issuer.RoleClaim))
        {
            context.Add($"{path}:RoleClaim", $"'{issuer.RoleClaim}' is not a claim path");
        }

        if (issuer.RequiredType is { } type && (type.Length == 0 || !type.All(c => HeaderChecks.IsTokenChar(c) || c == '/')))
        {
            context.Add($"{path}:RequiredType", $"'{type}' is not a media type (e.g. at+jwt)");
        }

        if (issuer.MaxTokenLifetime is { } lifetime)
        {
            ValueChecks.RequirePositive(lifetime, $"{path}:MaxTokenLifetime", context);
        }
    }
}
