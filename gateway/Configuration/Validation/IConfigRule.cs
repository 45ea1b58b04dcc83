namespace Gateway.Configuration.Validation;

/// <summary>
/// One area of the configuration (a section, or a cross-reference between sections) checked on its own: it reports
/// every problem it finds with its exact path and never stops at the first. Rules are stateless singletons; the
/// order <see cref="GatewayConfigValidator"/> runs them in is the order of the error list.
/// </summary>
internal interface IConfigRule
{
    void Validate(ConfigValidationContext context);
}
