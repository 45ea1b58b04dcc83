namespace Gateway.Tokens;

/// <summary>Why a token was accepted or refused. One table (<c>RefusalTable</c>) maps these to refusals and HTTP answers.</summary>
internal enum TokenStatus
{
    Valid,
    Missing,
    /// <summary>More than one token in the request (RFC 6750 §2: a client must use one method).</summary>
    Ambiguous,
    TooLarge,
    Malformed,
    UnknownIssuer,
    DisallowedAlgorithm,
    UnknownKid,
    BadSignature,
    Expired,
    NotYetValid,
    MissingExpiration,
    WrongAudience,
    WrongIssuer,
    /// <summary>The JOSE header asks for something the gateway does not implement (<c>crit</c>, <c>b64: false</c>).</summary>
    UnsupportedHeader,
    /// <summary>The header's <c>typ</c> is not the issuer's <c>RequiredType</c>.</summary>
    WrongType,
    /// <summary><c>exp</c> lies further after <c>iat</c> than the issuer's <c>MaxTokenLifetime</c>.</summary>
    LifetimeTooLong,
    /// <summary>No signing keys could ever be loaded for the token's issuer: the gateway cannot decide.</summary>
    KeysUnavailable,
    Invalid,
    /// <summary>The token names a kid the keys in memory lack, and the refresh that would have checked it failed or timed out: the gateway cannot decide.</summary>
    KeyRefreshFailed,
    /// <summary>A valid token that an operator revoked (by jti, by subject and issue time, or by sid): see docs/revocation.md.</summary>
    Revoked,
    /// <summary>The authorization server's introspection endpoint answered <c>active: false</c> (RFC 7662 §2.2).</summary>
    Inactive,
    /// <summary>The introspection endpoint could not be asked or gave no usable answer (down, slow, 5xx, refused the gateway's client, malformed): the gateway cannot decide.</summary>
    IntrospectionUnavailable,
}
