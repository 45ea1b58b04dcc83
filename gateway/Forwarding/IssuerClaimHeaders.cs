using Gateway.Tokens;
using Microsoft.AspNetCore.Http;

namespace Gateway.Forwarding;

/// <summary>The claim headers of one route for the tokens of one issuer, and that issuer's name as the issuer header's value.</summary>
internal sealed class IssuerClaimHeaders
{
    private readonly ClaimHeaderMapping[] _mappings;

    public IssuerClaimHeaders(string issuerName, IEnumerable<ClaimHeaderMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(issuerName);
        IssuerName = issuerName;
        IssuerValue = ClaimHeaderEncoder.Escape(issuerName); // a configuration key: encoded like any item, to be safe
        _mappings = [.. mappings];
    }

    public string IssuerName { get; }

    /// <summary>The issuer header's value: the configured issuer name, encoded as one item.</summary>
    public string IssuerValue { get; }

    public IReadOnlyList<ClaimHeaderMapping> Mappings => _mappings;

    /// <summary>
    /// Sets each header from its claim; an absent claim leaves the header absent (it was stripped before).
    /// The encoded values are kept with the claims, so a token served from the cache is not re-encoded.
    /// </summary>
    public void Apply(TokenClaims claims, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(headers);
        if (_mappings.Length == 0)
        {
            return;
        }

        var values = claims.GetOrAddDerived(this, static (c, plan) => plan.Encode(c));
        for (var i = 0; i < _mappings.Length; i++)
        {
            if (values[i] is { } encoded)
            {
                headers[_mappings[i].Header] = encoded;
            }
        }
    }

    /// <summary>The header value of each mapping, in order (null: no header).</summary>
    public string?[] Encode(TokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var values = new string?[_mappings.Length];
        for (var i = 0; i < _mappings.Length; i++)
        {
            values[i] = _mappings[i].Claim.TryResolve(claims.Payload, out var value) ? ClaimHeaderEncoder.Encode(value) : null;
        }

        return values;
    }
}
