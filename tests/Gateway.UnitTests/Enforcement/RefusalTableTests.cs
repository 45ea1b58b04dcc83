using Gateway.Enforcement;
using Gateway.Enforcement.Refusals;
using Gateway.Observability;
using Gateway.Policies;
using Gateway.Tokens;

namespace Gateway.UnitTests.Enforcement;

/// <summary>
/// The one table from a reason to an answer: every token status, policy decision and request-guard rule maps to a
/// complete, consistent refusal (the answers themselves are pinned end to end by the enforcement and security tests).
/// </summary>
public sealed class RefusalTableTests
{
    public static TheoryData<object> RefusedStatuses() => new(Enum.GetValues<TokenStatus>().Where(s => s != TokenStatus.Valid).Cast<object>());

    [Theory]
    [MemberData(nameof(RefusedStatuses))]
    public void EveryTokenStatus_HasOneConsistentRefusal(object value)
    {
        var status = (TokenStatus)value;
        var refusal = RefusalTable.For(status);

        Assert.Equal(RefusalCause.Token, refusal.Cause);
        Assert.Equal(status, refusal.TokenStatus);
        Assert.Equal(GatewayTelemetry.Reason(status), refusal.Reason);
        Assert.Same(refusal, RefusalTable.For(status)); // built once
        switch (refusal.StatusCode)
        {
            case 503: // the gateway cannot decide: retry later, no challenge (the token is not known to be bad)
                Assert.Equal(RequestDecision.Unavailable, refusal.Decision);
                Assert.Equal("5", refusal.RetryAfter);
                Assert.Null(refusal.Challenge);
                break;
            case 400:
                Assert.Equal(TokenStatus.Ambiguous, status);
                Assert.Equal(RequestDecision.InvalidRequest, refusal.Decision);
                Assert.StartsWith("Bearer error=\"invalid_request\"", refusal.Challenge, StringComparison.Ordinal);
                break;
            default:
                Assert.Equal(401, refusal.StatusCode);
                Assert.Equal(RequestDecision.Unauthorized, refusal.Decision);
                Assert.Null(refusal.RetryAfter);
                Assert.Equal(
                    status == TokenStatus.Missing ? "Bearer" : $"Bearer error=\"invalid_token\", error_description=\"{RefusalTable.Describe(status)}\"",
                    refusal.Challenge);
                break;
        }
    }

    [Fact]
    public void TokenRefusal_CarriesTheIssuer_WithoutChangingTheShared()
    {
        var shared = RefusalTable.For(TokenStatus.Expired);
        var withIssuer = RefusalTable.For(TokenStatus.Expired, "main");

        Assert.Null(shared.Issuer);
        Assert.Equal("main", withIssuer.Issuer);
        Assert.Equal(shared with { Issuer = "main" }, withIssuer);
    }

    [Theory]
    [InlineData(null, "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant access to this resource\"")]
    [InlineData("orders:read", "Bearer error=\"insufficient_scope\", error_description=\"the token does not grant access to this resource\", scope=\"orders:read\"")]
    public void Forbidden_Is403_WithTheScopeHint(string? scopeHint, string challenge)
    {
        var refusal = RefusalTable.For(PolicyDecision.Forbidden, "main", scopeHint);

        Assert.Equal((403, RequestDecision.Forbidden, GatewayTelemetry.Reasons.PolicyNotSatisfied, "main"), (refusal.StatusCode, refusal.Decision, refusal.Reason, refusal.Issuer));
        Assert.Equal(challenge, refusal.Challenge);
    }

    [Fact]
    public void IssuerNotAccepted_Is401_InvalidToken()
    {
        var refusal = RefusalTable.For(PolicyDecision.IssuerNotAccepted, "other", "orders:read");

        Assert.Equal((401, RequestDecision.Unauthorized, GatewayTelemetry.Reasons.IssuerNotAccepted, "other"), (refusal.StatusCode, refusal.Decision, refusal.Reason, refusal.Issuer));
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"the token issuer is not accepted for this route\"", refusal.Challenge);
    }

    [Theory]
    [InlineData(RequestGuard.AmbiguousPath, "ambiguous_path", 400)]
    [InlineData(RequestGuard.PathParameters, "path_parameters", 400)]
    [InlineData(RequestGuard.LooseSegment, "loose_segment", 400)]
    [InlineData(RequestGuard.InvalidHost, "invalid_host", 400)]
    [InlineData(RequestGuard.AmbiguousFraming, "ambiguous_framing", 400)]
    [InlineData(RequestGuard.InvalidContentLength, "invalid_content_length", 400)]
    [InlineData(RequestGuard.MethodNotForwarded, "method_not_forwarded", 405)]
    public void GuardRules_CloseTheConnection_WithTheirReason(string rule, string reason, int statusCode)
    {
        var refusal = RefusalTable.ForGuard(rule);

        Assert.Equal((RefusalCause.RequestGuard, reason, statusCode, true), (refusal.Cause, refusal.Reason, refusal.StatusCode, refusal.CloseConnection));
        Assert.Equal($"The request was refused: {rule}.", refusal.Detail);
        Assert.Null(refusal.Challenge);
        Assert.Equal(statusCode == 405 ? RequestGuard.AllowedMethods : null, refusal.Allow);
    }

    [Fact]
    public void RouteBindingFailures_Are503_AndOnlyAReloadIsRetriedAtOnce()
    {
        Assert.Equal((503, RequestDecision.Unavailable, null), (RefusalTable.RouteNotConfigured.StatusCode, RefusalTable.RouteNotConfigured.Decision, RefusalTable.RouteNotConfigured.RetryAfter));
        Assert.Equal((503, "1", GatewayTelemetry.Reasons.ConfigurationChanged), (RefusalTable.ConfigurationChanged.StatusCode, RefusalTable.ConfigurationChanged.RetryAfter, RefusalTable.ConfigurationChanged.Reason));
        Assert.Equal(RefusalTable.ConfigurationChanged with { Cause = RefusalCause.DestinationChanged }, RefusalTable.DestinationChanged);
    }
}
