using Gateway.Configuration;
using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.SenderConstraints;

/// <summary>
/// Decides, after a token validated (from the validated-token cache or not) and on every request, whether the
/// request is sent by the holder of what the token is bound to. A proof is per request: nothing of this check is
/// cached. Rules, in order:
/// <list type="number">
/// <item>a <c>cnf</c> the gateway cannot check refuses the token (it is bound to something);</item>
/// <item>DPoP scheme: DPoP must not be <c>Off</c>, the token must carry <c>cnf.jkt</c>, and exactly one valid proof
/// (<see cref="DpopProofVerifier"/>) never used before (<see cref="IDpopReplayCache"/>) must come with it;</item>
/// <item>any other carrier: the token must not carry <c>cnf.jkt</c> (a bound token used as a bearer token is
/// refused), and DPoP must not be <c>Required</c>;</item>
/// <item>a token carrying <c>cnf["x5t#S256"]</c> is accepted only over the certificate with that thumbprint; a policy
/// with <c>RequireCertificateBoundToken</c> accepts only such tokens.</item>
/// </list>
/// The effective DPoP mode is the policy's when it sets one, else the issuer's; <c>Required</c> on either wins.
/// </summary>
internal sealed class SenderConstraintEnforcer
{
    public const string ProofHeader = "DPoP";
    public const string NonceHeader = "DPoP-Nonce";

    private readonly DpopProofVerifier _verifier;
    private readonly ClientCertificateSource _certificates;
    private readonly TimeProvider _time;
    private readonly bool _forwardProof;

    public SenderConstraintEnforcer(DpopProofVerifier verifier, ClientCertificateSource certificates, bool forwardProof, TimeProvider time)
    {
        _verifier = verifier;
        _certificates = certificates;
        _forwardProof = forwardProof;
        _time = time;
    }

    public DpopProofVerifier Verifier => _verifier;

    public ClientCertificateSource Certificates => _certificates;

    /// <summary>The mode that applies to a token of <paramref name="issuer"/> on a route of a policy with <paramref name="policy"/>.</summary>
    public static DpopMode EffectiveMode(DpopMode issuer, DpopMode? policy) =>
        issuer == DpopMode.Required || policy == DpopMode.Required ? DpopMode.Required : policy ?? issuer;

    /// <summary>Checks the request's binding; completes synchronously for a bearer token and for every refusal before the replay check.</summary>
    public ValueTask<BindingResult> CheckAsync(HttpContext context, ExtractedToken token, TokenValidationOutcome outcome, DpopMode? policyMode, bool requireCertificate, IDpopReplayCache replay)
    {
        var request = context.Request;
        var proofs = request.Headers[ProofHeader];
        if (proofs.Count > 0 && !_forwardProof)
        {
            request.Headers.Remove(ProofHeader); // verified here or not wanted: the downstream never needs the proof
        }

        var confirmation = outcome.Claims!.Confirmation;
        var mode = EffectiveMode(outcome.Issuer!.Dpop, policyMode);
        if (!token.IsDpop && !confirmation.IsBound && mode != DpopMode.Required && !requireCertificate)
        {
            return new(BindingResult.Bearer); // the usual bearer request: no lookup beyond the cached cnf
        }

        if (confirmation.IsUnsupported)
        {
            return Fail(BindingStatus.UnsupportedConfirmation, token.IsDpop ? "dpop" : "none");
        }

        var binding = confirmation.JwkThumbprint is not null ? (confirmation.CertificateThumbprint is not null ? "dpop+mtls" : "dpop") : confirmation.CertificateThumbprint is not null ? "mtls" : token.IsDpop ? "dpop" : "none";
        if (!token.IsDpop)
        {
            if (confirmation.JwkThumbprint is not null)
            {
                return Fail(BindingStatus.DpopBoundTokenAsBearer, binding);
            }

            if (mode == DpopMode.Required)
            {
                return Fail(BindingStatus.DpopRequired, binding);
            }

            return new(CheckCertificate(context, confirmation, requireCertificate, binding));
        }

        if (mode == DpopMode.Off)
        {
            return Fail(BindingStatus.DpopNotAccepted, binding);
        }

        if (confirmation.JwkThumbprint is not { } jkt)
        {
            return Fail(BindingStatus.DpopTokenNotBound, binding);
        }

        if (proofs.Count == 0)
        {
            return Fail(BindingStatus.DpopProofMissing, binding);
        }

        if (proofs.Count > 1 || proofs[0] is not { } proof || proof.Contains(','))
        {
            return Fail(BindingStatus.DpopProofMultiple, binding);
        }

        var now = _time.GetUtcNow();
        var result = _verifier.Verify(proof, request.Method, RequestOrigin(request), RequestPath(context), token.Value.Span, jkt, now);
        if (result.Status != BindingStatus.Valid)
        {
            var nonce = result.Status == BindingStatus.DpopNonceRequired ? _verifier.Nonces!.Issue(now) : null;
            return new(new BindingResult(result.Status, binding, nonce));
        }

        var certificate = CheckCertificate(context, confirmation, requireCertificate, binding);
        if (!certificate.IsValid)
        {
            return new(certificate);
        }

        var fresh = _verifier.Nonces is { } nonces && nonces.ShouldRefresh(result.NonceAge) ? nonces.Issue(now) : null;
        var pending = replay.TryUseAsync(result.ProofId, _verifier.ReplayRetention, context.RequestAborted);
#pragma warning disable VSTHRD103 // the synchronous fast path: Result of a task that completed successfully does not block
        return pending.IsCompletedSuccessfully
            ? new(AfterReplayCheck(pending.Result, binding, fresh))
            : AwaitReplayAsync(pending, binding, fresh);
#pragma warning restore VSTHRD103
    }

    private static async ValueTask<BindingResult> AwaitReplayAsync(ValueTask<ReplayCheck> pending, string binding, string? fresh) =>
        AfterReplayCheck(await pending.ConfigureAwait(false), binding, fresh);

    private static BindingResult AfterReplayCheck(ReplayCheck check, string binding, string? fresh) => check switch
    {
        ReplayCheck.First => new(BindingStatus.Valid, binding, fresh),
        ReplayCheck.Replayed => new(BindingStatus.DpopProofReplayed, binding),
        _ => new(BindingStatus.DpopReplayCheckUnavailable, binding),
    };

    private BindingResult CheckCertificate(HttpContext context, TokenConfirmation confirmation, bool requireCertificate, string binding)
    {
        if (confirmation.CertificateThumbprint is not { } expected)
        {
            return requireCertificate ? new(BindingStatus.CertificateBoundTokenRequired, binding) : new(BindingStatus.Valid, binding);
        }

        var presented = _certificates.Thumbprint(context, out var invalid);
        if (invalid)
        {
            return new(BindingStatus.CertificateHeaderInvalid, binding);
        }

        if (presented is null)
        {
            return new(BindingStatus.CertificateMissing, binding);
        }

        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(presented), System.Text.Encoding.ASCII.GetBytes(expected))
            ? new(BindingStatus.Valid, binding)
            : new(BindingStatus.CertificateMismatch, binding);
    }

    private static ValueTask<BindingResult> Fail(BindingStatus status, string binding) => new(new BindingResult(status, binding));

    // The scheme and host the request reached the gateway with (Host header, default port dropped).
    private static string? RequestOrigin(HttpRequest request) =>
        request.Host.HasValue ? HttpTargetUri.Origin(request.Scheme, request.Host.Host, request.Host.Port) : null;

    // The path exactly as the client sent it (the raw request target), before any decoding or normalisation of the gateway.
    private static string? RequestPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return string.IsNullOrEmpty(raw) ? HttpTargetUri.NormalisePath(context.Request.PathBase.Add(context.Request.Path).ToUriComponent()) : HttpTargetUri.RequestPath(raw);
    }
}
