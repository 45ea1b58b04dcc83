using Gateway.Configuration;
using static Gateway.UnitTests.Configuration.RuleContexts;

namespace Gateway.UnitTests.Configuration;

/// <summary>The one parser of a route's metadata, shared by the validator's route rules and the snapshot builder.</summary>
public sealed class RouteMetadataTests
{
    [Fact]
    public void NoMetadata_NamesNothing()
    {
        var metadata = RouteMetadata.Read(Route());

        Assert.Null(metadata.Policy);
        Assert.Null(metadata.ShadowPolicy);
        Assert.Null(metadata.PassHeaders);
        Assert.Empty(metadata.ClaimHeaders);
    }

    [Fact]
    public void ReadsEverySetting_WithKeysOfAnyCase()
    {
        var metadata = RouteMetadata.Read(Route(metadata: new()
        {
            ["policy"] = "orders",
            ["SHADOWPOLICY"] = "audit",
            ["PassHeaders"] = " X-Real-IP ,, Forwarded ",
            ["ClaimHeader.X-Tenant"] = "org.tenant",
            ["Other"] = "ignored",
            ["claimheader.X-User"] = "",
        }));

        Assert.Equal("orders", metadata.Policy);
        Assert.Equal("audit", metadata.ShadowPolicy);
        Assert.Equal(["X-Real-IP", "Forwarded"], metadata.PassHeaders!);
        Assert.Equal(
            [new RouteClaimHeader("ClaimHeader.X-Tenant", "X-Tenant", "org.tenant"), new RouteClaimHeader("claimheader.X-User", "X-User", "")],
            metadata.ClaimHeaders);
    }

    [Fact]
    public void EmptyPassHeaders_IsPresentButEmpty()
    {
        Assert.Equal([], RouteMetadata.Read(Route(metadata: new() { ["PassHeaders"] = "" })).PassHeaders!);
    }
}
