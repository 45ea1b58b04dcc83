namespace Gateway.SenderConstraints;

/// <summary>
/// Why a valid token was accepted or refused by its sender constraint: a DPoP proof (RFC 9449) or a client
/// certificate (RFC 8705). Each value is its own <c>jwtgw.reason</c> (snake_case of the name); <c>RefusalTable</c> maps
/// each to its HTTP answer.
/// </summary>
internal enum BindingStatus
{
    Valid,
    /// <summary>The request has no <c>DPoP</c> header although the token is presented with the DPoP scheme.</summary>
    DpopProofMissing,
    /// <summary>More than one <c>DPoP</c> header (or one holding several values).</summary>
    DpopProofMultiple,
    /// <summary>Not a single well-formed compact JWS, too long, or unreadable header/payload.</summary>
    DpopProofMalformed,
    /// <summary>The header's <c>typ</c> is not <c>dpop+jwt</c>.</summary>
    DpopProofWrongType,
    /// <summary>The <c>alg</c> is missing, symmetric, <c>none</c> or not in <c>Gateway:Dpop:Algorithms</c>.</summary>
    DpopProofAlgorithm,
    /// <summary>The header's <c>jwk</c> is missing, not a supported public key, or does not fit the <c>alg</c>.</summary>
    DpopProofKeyInvalid,
    /// <summary>The header's <c>jwk</c> holds private key members.</summary>
    DpopProofPrivateKey,
    DpopProofBadSignature,
    /// <summary>A required claim (<c>jti</c>, <c>htm</c>, <c>htu</c>, <c>iat</c>, <c>ath</c>) is missing or of the wrong type.</summary>
    DpopProofClaimMissing,
    DpopProofMethodMismatch,
    DpopProofUrlMismatch,
    /// <summary><c>iat</c> is older than <c>ProofMaxAge</c>.</summary>
    DpopProofStale,
    /// <summary><c>iat</c> lies further in the future than <c>ProofClockSkew</c>.</summary>
    DpopProofFuture,
    /// <summary><c>ath</c> is not the hash of the presented access token.</summary>
    DpopProofTokenHashMismatch,
    /// <summary>The proof key's thumbprint (RFC 7638) is not the token's <c>cnf.jkt</c>.</summary>
    DpopProofKeyMismatch,
    /// <summary>The proof's <c>jti</c> was seen before (a replayed proof).</summary>
    DpopProofReplayed,
    /// <summary>The proof carries no valid server nonce (<c>use_dpop_nonce</c>).</summary>
    DpopNonceRequired,
    /// <summary>The replay check could not be made (the in-memory store is full): the proof is not accepted.</summary>
    DpopReplayCheckUnavailable,
    /// <summary>The token came with the DPoP scheme where DPoP is off.</summary>
    DpopNotAccepted,
    /// <summary>The token came with the DPoP scheme but is not DPoP-bound (no <c>cnf.jkt</c>).</summary>
    DpopTokenNotBound,
    /// <summary>A DPoP-bound token came as a bearer token (<c>Authorization: Bearer</c>, cookie, header or query).</summary>
    DpopBoundTokenAsBearer,
    /// <summary>The route requires DPoP and the token came as a bearer token.</summary>
    DpopRequired,
    /// <summary>The token's <c>cnf</c> claim is not an object, or binds it in a way the gateway cannot check.</summary>
    UnsupportedConfirmation,
    /// <summary>The token is bound to a client certificate and the request came without one.</summary>
    CertificateMissing,
    /// <summary>The token is bound to another client certificate (<c>cnf["x5t#S256"]</c>).</summary>
    CertificateMismatch,
    /// <summary>The route requires certificate-bound tokens and the token is not bound to a certificate.</summary>
    CertificateBoundTokenRequired,
    /// <summary>The trusted proxy's client certificate header is not one URL-encoded PEM certificate.</summary>
    CertificateHeaderInvalid,
}
