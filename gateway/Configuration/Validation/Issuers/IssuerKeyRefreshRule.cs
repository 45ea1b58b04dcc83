namespace Gateway.Configuration.Validation.Issuers;

/// <summary>How often and how long the issuer's keys are fetched: positive durations.</summary>
internal sealed class IssuerKeyRefreshRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        ValueChecks.RequirePositive(issuer.KeyRefreshInterval, $"{path}:KeyRefreshInterval", context);
        ValueChecks.RequirePositive(issuer.UnknownKidRefreshInterval, $"{path}:UnknownKidRefreshInterval", context);
        ValueChecks.RequirePositive(issuer.FetchTimeout, $"{path}:FetchTimeout", context);
    }
}
