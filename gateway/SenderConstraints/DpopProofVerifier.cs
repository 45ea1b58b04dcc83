using System.Buffers;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.SenderConstraints;

/// <summary>
/// Checks one DPoP proof against its request and access token, as RFC 9449 §4.3 lists (the replay check of
/// <c>jti</c> comes after, in <see cref="SenderConstraintEnforcer"/>, so that only an otherwise valid proof is
/// remembered): one well-formed compact JWS → <c>typ</c> <c>dpop+jwt</c> → an allowed asymmetric <c>alg</c> → a public
/// <c>jwk</c> (RSA or EC, fitting the <c>alg</c>, no private members) → the signature (IdentityModel's crypto provider)
/// → <c>jti</c>, <c>htm</c>, <c>htu</c>, <c>iat</c>, <c>ath</c> present → <c>htm</c> equals the method → <c>htu</c> equals
/// the request's URI → nonce (when required) → <c>iat</c> window → <c>ath</c> = base64url(SHA-256(token)) → the key's
/// RFC 7638 thumbprint equals <c>cnf.jkt</c>. Nothing from the proof is trusted before its signature verified.
/// </summary>
internal sealed class DpopProofVerifier
{
    private static readonly SearchValues<char> JwsChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    // Members that make a JWK private (RFC 7518 §6.2.2, §6.3.2, §6.4): a proof must never carry them.
    private static readonly FrozenSet<string> PrivateMembers = new[] { "d", "p", "q", "dp", "dq", "qi", "oth", "k" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenSet<string> _algorithms;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _skew;
    private readonly int _maxLength;
    private readonly FrozenSet<string>? _publicOrigins;
    private readonly DpopNonces? _nonces;
    private readonly ProofKeyCache _keys = new();

    public DpopProofVerifier(IReadOnlyCollection<string> algorithms, TimeSpan maxAge, TimeSpan skew, int maxLength, IReadOnlyCollection<string> publicOrigins, DpopNonces? nonces)
    {
        _algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        _maxAge = maxAge;
        _skew = skew;
        _maxLength = maxLength;
        _publicOrigins = publicOrigins.Count == 0 ? null : publicOrigins.Select(NormaliseOrigin).ToFrozenSet(StringComparer.Ordinal);
        _nonces = nonces;
        Algs = string.Join(' ', algorithms);
    }

    /// <summary>The accepted algorithms, space-separated, as the <c>algs</c> challenge parameter announces them.</summary>
    public string Algs { get; }

    /// <summary>How long a proof id must be remembered: as long as its <c>iat</c> could still be accepted (whole seconds, rounded up: 2 s more).</summary>
    public TimeSpan ReplayRetention => _maxAge + _skew + _skew + TimeSpan.FromSeconds(2);

    public DpopNonces? Nonces => _nonces;

    /// <summary>The canonical form of a configured public origin (<c>Gateway:Dpop:PublicOrigins</c>), or null when it is not one.</summary>
    public static string? TryNormaliseOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0 && !origin.EndsWith('/')
            ? HttpTargetUri.Origin(uri.Scheme, uri.IdnHost.Contains(':') && !uri.IdnHost.StartsWith('[') ? $"[{uri.IdnHost}]" : uri.IdnHost, uri.Port)
            : null;

    private static string NormaliseOrigin(string origin) => TryNormaliseOrigin(origin) ?? throw new ArgumentException($"'{origin}' is not an origin.", nameof(origin));

    /// <summary>
    /// Verifies <paramref name="proof"/> for a request with <paramref name="method"/> to <paramref name="requestOrigin"/>
    /// (normalised scheme://host[:port] the gateway received) and <paramref name="requestPath"/> (normalised raw path),
    /// carrying <paramref name="accessToken"/> bound to <paramref name="expectedJkt"/>.
    /// </summary>
    public DpopProofResult Verify(string proof, string method, string? requestOrigin, string? requestPath, ReadOnlySpan<char> accessToken, string expectedJkt, DateTimeOffset now)
    {
        if (proof.Length == 0 || proof.Length > _maxLength || proof.AsSpan().ContainsAnyExcept(JwsChars) || proof.AsSpan().Count('.') != 2 || proof[0] == '.')
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofMalformed);
        }

        JsonWebToken jwt;
        JsonWebKey key;
        try
        {
            jwt = new JsonWebToken(proof);
            var header = ReadHeader(jwt, out var jwk);
            if (header != BindingStatus.Valid)
            {
                return DpopProofResult.Failed(header);
            }

            key = jwk!;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException or InvalidOperationException)
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofMalformed);
        }

        string thumbprint;
        try
        {
            thumbprint = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofKeyInvalid);
        }

        if (!VerifySignature(jwt, key, thumbprint))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofBadSignature);
        }

        // Signed by the key in the header: the claims can now be read, each with its exact JSON type.
        ProofClaims claims;
        try
        {
            if (!ReadClaims(jwt, out claims))
            {
                return DpopProofResult.Failed(BindingStatus.DpopProofClaimMissing);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofMalformed);
        }

        var (jti, htm, htu, iat, ath, nonce) = claims;
        if (!string.Equals(htm, method, StringComparison.Ordinal))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofMethodMismatch);
        }

        if (!HttpTargetUri.TryParse(htu, out var origin, out var path) || requestPath is null
            || !string.Equals(path, requestPath, StringComparison.Ordinal)
            || !(_publicOrigins is null ? string.Equals(origin, requestOrigin, StringComparison.Ordinal) : _publicOrigins.Contains(origin)))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofUrlMismatch);
        }

        var nonceAge = TimeSpan.Zero;
        if (_nonces is not null && !_nonces.IsValid(nonce, now, out nonceAge))
        {
            return DpopProofResult.Failed(BindingStatus.DpopNonceRequired);
        }

        var nowSeconds = now.ToUnixTimeSeconds();
        if (iat < nowSeconds - (long)Math.Ceiling((_maxAge + _skew).TotalSeconds))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofStale);
        }

        if (iat > nowSeconds + (long)Math.Ceiling(_skew.TotalSeconds))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofFuture);
        }

        if (!string.Equals(ath, AccessTokenHash(accessToken), StringComparison.Ordinal))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofTokenHashMismatch);
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(thumbprint), Encoding.ASCII.GetBytes(expectedJkt)))
        {
            return DpopProofResult.Failed(BindingStatus.DpopProofKeyMismatch);
        }

        return new DpopProofResult(BindingStatus.Valid, ProofId(thumbprint, jti), nonceAge);
    }

    private readonly record struct ProofClaims(string Jti, string Htm, string Htu, long Iat, string Ath, string? Nonce);

    // jti, htm, htu, ath: strings (jti of 1 to 512 characters); iat: an integer; nonce: a string when present.
    private static bool ReadClaims(JsonWebToken jwt, out ProofClaims claims)
    {
        claims = default;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var root = payload.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || ReadString(root, "jti") is not { Length: > 0 and <= 512 } jti
            || ReadString(root, "htm") is not { Length: > 0 } htm
            || ReadString(root, "htu") is not { Length: > 0 } htu
            || ReadString(root, "ath") is not { Length: > 0 } ath
            || !root.TryGetProperty("iat", out var iatElement) || iatElement.ValueKind != JsonValueKind.Number || !iatElement.TryGetInt64(out var iat))
        {
            return false;
        }

        string? nonce = null;
        if (root.TryGetProperty("nonce", out var nonceElement))
        {
            if (nonceElement.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            nonce = nonceElement.GetString();
        }

        claims = new ProofClaims(jti, htm, htu, iat, ath, nonce);
        return true;
    }

    private static string? ReadString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>ath</c>: base64url(SHA-256(ASCII of the access token)), RFC 9449 §4.2.</summary>
    public static string AccessTokenHash(ReadOnlySpan<char> accessToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.ASCII.GetMaxByteCount(accessToken.Length));
        try
        {
            var length = Encoding.ASCII.GetBytes(accessToken, bytes);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(bytes.AsSpan(0, length), hash);
            return Base64UrlEncoder.Encode(hash.ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    // 128 bits of SHA-256(thumbprint "\n" jti): the same jti under two keys is two proofs; the store holds fixed-size ids.
    private static UInt128 ProofId(string thumbprint, string jti)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(thumbprint + "\n" + jti));
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    private BindingStatus ReadHeader(JsonWebToken jwt, out JsonWebKey? key)
    {
        key = null;
        if (!string.Equals(jwt.Typ, "dpop+jwt", StringComparison.OrdinalIgnoreCase))
        {
            return BindingStatus.DpopProofWrongType;
        }

        var alg = jwt.Alg;
        if (string.IsNullOrEmpty(alg) || !_algorithms.Contains(alg))
        {
            return BindingStatus.DpopProofAlgorithm;
        }

        using var header = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedHeader));
        if (!header.RootElement.TryGetProperty("jwk", out var jwk) || jwk.ValueKind != JsonValueKind.Object)
        {
            return BindingStatus.DpopProofKeyInvalid;
        }

        foreach (var member in jwk.EnumerateObject())
        {
            if (PrivateMembers.Contains(member.Name))
            {
                return BindingStatus.DpopProofPrivateKey;
            }
        }

        var candidate = new JsonWebKey(jwk.GetRawText());
        if (!Fits(candidate, alg))
        {
            return BindingStatus.DpopProofKeyInvalid;
        }

        // The signature is checked with exactly the key the thumbprint is computed from: a new JWK holding only the
        // RFC 7638 members. The header's JWK may carry more (x5c, x5u...), and IdentityModel builds an RSA key from an
        // x5c certificate in preference to n/e: a proof signed by any certificate's key would then verify while its
        // thumbprint names the victim's key, and a stolen DPoP-bound token would be usable by whoever holds it.
        key = candidate.Kty == JsonWebAlgorithmsKeyTypes.RSA
            ? new JsonWebKey { Kty = JsonWebAlgorithmsKeyTypes.RSA, N = candidate.N, E = candidate.E }
            : new JsonWebKey { Kty = JsonWebAlgorithmsKeyTypes.EllipticCurve, Crv = candidate.Crv, X = candidate.X, Y = candidate.Y };
        return BindingStatus.Valid;
    }

    // The key type must be the alg's (RSA for RS/PS, EC with the alg's curve for ES); RSA keys of 2048 bits at least.
    private static bool Fits(JsonWebKey key, string alg) => alg[..2] switch
    {
        "RS" or "PS" => key.Kty == JsonWebAlgorithmsKeyTypes.RSA && !string.IsNullOrEmpty(key.N) && !string.IsNullOrEmpty(key.E) && Base64UrlEncoder.DecodeBytes(key.N).SkipWhile(b => b == 0).Count() * 8 >= 2048,
        "ES" => key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && !string.IsNullOrEmpty(key.X) && !string.IsNullOrEmpty(key.Y) && key.Crv == alg switch
        {
            "ES256" => JsonWebKeyECTypes.P256,
            "ES384" => JsonWebKeyECTypes.P384,
            "ES512" => JsonWebKeyECTypes.P521,
            _ => null,
        },
        _ => false,
    };

    private bool VerifySignature(JsonWebToken jwt, JsonWebKey key, string thumbprint)
    {
        try
        {
            var provider = _keys.GetOrCreate(key, jwt.Alg, thumbprint);
            var signedLength = jwt.EncodedHeader.Length + 1 + jwt.EncodedPayload.Length;
            var signed = Encoding.ASCII.GetBytes(jwt.EncodedToken, 0, signedLength);
            var signature = Base64UrlEncoder.DecodeBytes(jwt.EncodedSignature);
            return signature.Length > 0 && provider.Verify(signed, signature);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or CryptographicException or FormatException or InvalidOperationException or SecurityTokenException)
        {
            return false;
        }
    }
}
