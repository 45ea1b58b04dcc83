using Gateway.Configuration;
using Gateway.Policies;
using Gateway.SenderConstraints;
using Gateway.Tokens;

namespace Gateway.Diagnostics;

/// <summary>
/// The sender-constraint step of an explained request (<see cref="SenderConstraintEnforcer"/>'s rules), for a request
/// that carries no DPoP proof and no client certificate — which is what an explained request is. Without it, explain
/// answered "forwarded" where the gateway refuses: a bearer token on a policy requiring DPoP or a certificate-bound
/// token, or a DPoP-bound token sent as a bearer token.
/// </summary>
internal static class BindingExplanation
{
    /// <summary>The status the gateway would refuse with at the binding step, or null when the step passes.</summary>
    public static BindingStatus? RefusalWithoutProof(TokenClaims claims, TokenIssuer issuer, CompiledPolicy policy, bool dpopScheme)
    {
        var confirmation = claims.Confirmation;
        var mode = SenderConstraintEnforcer.EffectiveMode(issuer.Dpop, policy.Dpop);
        if (!dpopScheme && !confirmation.IsBound && mode != DpopMode.Required && !policy.RequireCertificateBoundToken)
        {
            return null;
        }

        if (confirmation.IsUnsupported)
        {
            return BindingStatus.UnsupportedConfirmation;
        }

        if (dpopScheme)
        {
            return mode == DpopMode.Off ? BindingStatus.DpopNotAccepted
                : confirmation.JwkThumbprint is null ? BindingStatus.DpopTokenNotBound
                : BindingStatus.DpopProofMissing;
        }

        if (confirmation.JwkThumbprint is not null)
        {
            return BindingStatus.DpopBoundTokenAsBearer;
        }

        if (mode == DpopMode.Required)
        {
            return BindingStatus.DpopRequired;
        }

        return confirmation.CertificateThumbprint is not null ? BindingStatus.CertificateMissing
            : policy.RequireCertificateBoundToken ? BindingStatus.CertificateBoundTokenRequired
            : null;
    }

    /// <summary>The binding label of telemetry (<c>dpop</c>, <c>mtls</c>, <c>dpop+mtls</c>, <c>none</c>).</summary>
    public static string Label(TokenConfirmation confirmation, bool dpopScheme) =>
        confirmation.JwkThumbprint is not null ? (confirmation.CertificateThumbprint is not null ? "dpop+mtls" : "dpop")
        : confirmation.CertificateThumbprint is not null ? "mtls" : dpopScheme ? "dpop" : "none";
}
