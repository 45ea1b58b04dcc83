namespace Gateway.Configuration.Validation.Issuers;

/// <summary><c>Gateway:Issuers</c>: at least one issuer, then each issuer through the issuer rules in order.</summary>
internal sealed class IssuersRule : IConfigRule
{
    private readonly IIssuerRule[] _rules;

    public IssuersRule(params IIssuerRule[] rules)
    {
        _rules = rules;
    }

    public void Validate(ConfigValidationContext context)
    {
        if (context.Gateway.Issuers.Count == 0)
        {
            context.Add("Gateway:Issuers", "at least one issuer is required (a gateway with no issuer could only serve anonymous routes)");
        }

        foreach (var (name, issuer) in context.Gateway.Issuers)
        {
            var path = $"Gateway:Issuers:{name}";
            foreach (var rule in _rules)
            {
                rule.Validate(name, issuer, path, context);
            }
        }
    }
}
