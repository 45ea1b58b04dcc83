using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.SenderConstraints;

namespace Gateway.UnitTests.SenderConstraints;

/// <summary>Every sender-constraint status maps to one refusal with its own reason and an RFC 9449 §7.1 / RFC 8705 §3 answer.</summary>
public sealed class BindingRefusalTests
{
    public static TheoryData<object> RefusedStatuses() => new(Enum.GetValues<BindingStatus>().Where(s => s != BindingStatus.Valid).Cast<object>());

    [Theory]
    [MemberData(nameof(RefusedStatuses))]
    public void EveryBindingStatus_HasItsOwnReason_AndAConsistentAnswer(object value)
    {
        var status = (BindingStatus)value;
        var refusal = RefusalTable.For(status, "main", "dpop", "ES256 PS256", nonce: status == BindingStatus.DpopNonceRequired ? "n" : null);

        Assert.Equal(RefusalCause.SenderConstraint, refusal.Cause);
        Assert.Equal(status, refusal.BindingStatus);
        Assert.Equal(GatewayTelemetry.Reason(status), refusal.Reason);
        Assert.Single(Enum.GetValues<BindingStatus>(), s => GatewayTelemetry.Reason(s) == refusal.Reason);
        Assert.Equal("main", refusal.Issuer);
        Assert.DoesNotContain("{algs}", refusal.Challenge ?? "", StringComparison.Ordinal);
        var description = RefusalTable.Describe(status);
        switch (status)
        {
            case BindingStatus.DpopNonceRequired:
                Assert.Equal($"DPoP error=\"use_dpop_nonce\", error_description=\"{description}\", algs=\"ES256 PS256\"", refusal.Challenge);
                Assert.Equal("n", refusal.DpopNonce);
                break;
            case BindingStatus.DpopReplayCheckUnavailable:
                Assert.Equal(503, refusal.StatusCode);
                Assert.Null(refusal.Challenge);
                break;
            case BindingStatus.CertificateHeaderInvalid:
                Assert.Equal(400, refusal.StatusCode);
                break;
            case BindingStatus.DpopTokenNotBound or BindingStatus.DpopBoundTokenAsBearer or BindingStatus.DpopRequired:
                Assert.Equal($"DPoP error=\"invalid_token\", error_description=\"{description}\", algs=\"ES256 PS256\"", refusal.Challenge);
                break;
            case BindingStatus.DpopNotAccepted or BindingStatus.UnsupportedConfirmation or BindingStatus.CertificateMissing or BindingStatus.CertificateMismatch or BindingStatus.CertificateBoundTokenRequired:
                Assert.Equal(401, refusal.StatusCode);
                Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", refusal.Challenge);
                break;
            default:
                Assert.Equal(401, refusal.StatusCode);
                Assert.Equal($"DPoP error=\"invalid_dpop_proof\", error_description=\"{description}\", algs=\"ES256 PS256\"", refusal.Challenge);
                Assert.Null(refusal.DpopNonce);
                break;
        }
    }
}
