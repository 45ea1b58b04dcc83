using Gateway.Tokens;

namespace Gateway.Configuration.Validation.Issuers;

/// <summary>An issuer's <c>Algorithms</c>: supported ones only, never <c>none</c> or an HMAC algorithm (<see cref="SigningAlgorithms"/>).</summary>
internal sealed class IssuerAlgorithmRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        for (var i = 0; i < issuer.Algorithms.Count; i++)
        {
            var algorithm = issuer.Algorithms[i];
            if (SigningAlgorithms.IsNone(algorithm))
            {
                context.Add($"{path}:Algorithms:{i}", "'none' can never be allowed: unsigned tokens are not accepted");
            }
            else if (SigningAlgorithms.IsHmac(algorithm))
            {
                context.Add($"{path}:Algorithms:{i}", $"'{algorithm}' is an HMAC algorithm; keys come from a JWKS, and a public key must never be used as an HMAC secret");
            }
            else if (!SigningAlgorithms.Supported.Contains(algorithm))
            {
                context.Add($"{path}:Algorithms:{i}", $"unknown algorithm '{algorithm}' (supported: {string.Join(", ", SigningAlgorithms.Supported.Order(StringComparer.Ordinal))})");
            }
        }
    }
}
