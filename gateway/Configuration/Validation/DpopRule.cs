using Gateway.SenderConstraints;

namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Dpop</c>: proof algorithms, ages, origins, nonces and the replay cache (RFC 9449).</summary>
internal sealed class DpopRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var dpop = context.Gateway.Dpop;
        for (var i = 0; i < dpop.Algorithms.Count; i++)
        {
            var algorithm = dpop.Algorithms[i];
            if (!DpopOptions.SupportedAlgorithms.Contains(algorithm))
            {
                context.Add($"Gateway:Dpop:Algorithms:{i}", $"'{algorithm}' is not an allowed DPoP proof algorithm: proofs are signed with an asymmetric key (allowed: {string.Join(", ", DpopOptions.SupportedAlgorithms)})");
            }
        }

        if (dpop.ProofMaxAge < TimeSpan.FromSeconds(1) || dpop.ProofMaxAge > TimeSpan.FromHours(1))
        {
            context.Add("Gateway:Dpop:ProofMaxAge", "must be between 00:00:01 and 01:00:00");
        }

        if (dpop.ProofClockSkew < TimeSpan.Zero || dpop.ProofClockSkew > TimeSpan.FromMinutes(5))
        {
            context.Add("Gateway:Dpop:ProofClockSkew", "must be between 00:00:00 and 00:05:00");
        }

        for (var i = 0; i < dpop.PublicOrigins.Count; i++)
        {
            if (dpop.PublicOrigins[i] is not { } origin || DpopProofVerifier.TryNormaliseOrigin(origin) is null)
            {
                context.Add($"Gateway:Dpop:PublicOrigins:{i}", $"'{dpop.PublicOrigins[i]}' is not an origin: write scheme://host[:port], e.g. https://api.example.com (no path, no trailing '/')");
            }
        }

        if (dpop.RequireNonce && string.IsNullOrWhiteSpace(dpop.NonceKey))
        {
            context.Add("Gateway:Dpop:NonceKey", "required with RequireNonce: a secret of at least 32 characters, the same on every replica (e.g. Gateway__Dpop__NonceKey)");
        }
        else if (dpop.NonceKey is { } key && key.Trim().Length < 32)
        {
            context.Add("Gateway:Dpop:NonceKey", "must be at least 32 characters");
        }

        if (dpop.NonceLifetime < TimeSpan.FromSeconds(10) || dpop.NonceLifetime > TimeSpan.FromHours(1))
        {
            context.Add("Gateway:Dpop:NonceLifetime", "must be between 00:00:10 and 01:00:00");
        }

        ValueChecks.RequireRange(dpop.ReplayCacheMaxEntries, 1_000, 10_000_000, "Gateway:Dpop:ReplayCacheMaxEntries", context);
        ValueChecks.RequireRange(dpop.MaxProofLength, 512, 65_536, "Gateway:Dpop:MaxProofLength", context);
    }
}
