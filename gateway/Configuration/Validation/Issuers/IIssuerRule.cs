namespace Gateway.Configuration.Validation.Issuers;

/// <summary>
/// A check of one configured issuer (<c>Gateway:Issuers:{name}</c>), run for each issuer in turn by
/// <see cref="IssuersRule"/>, as YARP's <c>IRouteValidator</c> runs per route: an issuer's errors stay together.
/// </summary>
internal interface IIssuerRule
{
    /// <param name="name">The issuer's name (its configuration key).</param>
    /// <param name="issuer">The issuer's settings.</param>
    /// <param name="path">The issuer's path, <c>Gateway:Issuers:{name}</c>.</param>
    /// <param name="context">The whole configuration and the error list.</param>
    void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context);
}
