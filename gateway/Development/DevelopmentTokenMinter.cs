using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Development;

/// <summary>Signs tokens with the development issuer's key.</summary>
internal sealed class DevelopmentTokenMinter
{
    private readonly DevelopmentKeyStore _store;
    private readonly string _issuer;
    private readonly string _roleClaim;
    private readonly TimeProvider _time;

    public DevelopmentTokenMinter(DevelopmentKeyStore store, string issuer, string roleClaim, TimeProvider time)
    {
        _store = store;
        _issuer = issuer;
        _roleClaim = roleClaim;
        _time = time;
    }

    public string Mint(TokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = request.Subject,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (request.Scopes.Count > 0)
        {
            claims["scope"] = string.Join(' ', request.Scopes);
        }

        if (request.Roles.Count > 0)
        {
            claims[_roleClaim] = request.Roles.ToArray();
        }

        foreach (var (name, value) in request.ExtraClaims)
        {
            claims[name] = value;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = request.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + request.Lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_store.PrivateKey, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
