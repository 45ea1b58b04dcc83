namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:TokenSources</c>: at least one place a token is read from, each named validly.</summary>
internal sealed class TokenSourcesRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var sources = context.Gateway.TokenSources;
        if (!sources.AuthorizationHeader && sources.Headers.Count == 0 && sources.Cookies.Count == 0 && sources.QueryParameters.Count == 0)
        {
            context.Add("Gateway:TokenSources", "no token source is enabled");
        }

        for (var i = 0; i < sources.Headers.Count; i++)
        {
            if (!HeaderChecks.IsHeaderName(sources.Headers[i]))
            {
                context.Add($"Gateway:TokenSources:Headers:{i}", $"'{sources.Headers[i]}' is not a valid header name");
            }
        }

        ValueChecks.RequireNonEmpty(sources.Cookies, "Gateway:TokenSources:Cookies", "cookie name", context);
        ValueChecks.RequireNonEmpty(sources.QueryParameters, "Gateway:TokenSources:QueryParameters", "parameter name", context);
    }
}
