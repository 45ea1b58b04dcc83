namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:ClaimHeaders</c> (the claim headers of every route) and <c>Gateway:StripHeaders</c>.</summary>
internal sealed class GlobalHeadersRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        HeaderChecks.RequireClaimHeaders(context.Gateway.ClaimHeaders, "Gateway:ClaimHeaders", allowRemoval: false, context);
        HeaderChecks.RequireSettableHeaders(context.Gateway.StripHeaders, "Gateway:StripHeaders", context);
    }
}
