namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Development</c>: the demo downstream exists only in the Development environment.</summary>
internal sealed class DevelopmentRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var development = context.Gateway.Development;
        if (!string.IsNullOrWhiteSpace(development.DemoDownstreamUrl) && development.DemoDownstreamUrl is { } url)
        {
            if (!context.IsDevelopment)
            {
                context.Add("Gateway:Development:DemoDownstreamUrl", "the demo downstream is refused outside the Development environment");
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                context.Add("Gateway:Development:DemoDownstreamUrl", $"'{url}' is not an absolute URL");
            }
        }
    }
}
