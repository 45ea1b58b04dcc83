using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Forwarding;

/// <summary>The claim headers of one route, merged from global, policy and route settings at load time.</summary>
public sealed class ClaimHeaderPlan
{
    private readonly ClaimHeaderMapping[] _mappings;

    public ClaimHeaderPlan(IEnumerable<ClaimHeaderMapping> mappings)
    {
        _mappings = [.. mappings];
    }

    public static ClaimHeaderPlan Empty { get; } = new([]);

    public IReadOnlyList<ClaimHeaderMapping> Mappings => _mappings;

    /// <summary>Sets each header from its claim; an absent claim leaves the header absent (it was stripped before).</summary>
    public void Apply(TokenClaims claims, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var mapping in _mappings)
        {
            if (mapping.Claim.TryResolve(claims.Payload, out var value) && ClaimHeaderEncoder.Encode(value) is { } encoded)
            {
                headers[mapping.Header] = encoded;
            }
        }
    }
}
