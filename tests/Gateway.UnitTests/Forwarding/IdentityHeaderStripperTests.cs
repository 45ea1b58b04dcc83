using Gateway.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Forwarding;

public sealed class IdentityHeaderStripperTests
{
    private static readonly IdentityHeaderStripper Stripper = new(["X-User-Id", "x-tenant", "X-Internal-Secret"]);

    [Fact]
    public void Removes_OwnedHeaders_WhateverTheirCase_AndEveryValue()
    {
        var headers = new HeaderDictionary
        {
            ["x-user-id"] = new StringValues(["a", "b", "c"]),
            ["X-TENANT"] = "evil",
            ["X-Internal-Secret"] = "1",
            ["X-Request-Id"] = "kept",
        };

        Stripper.Strip(headers);

        Assert.False(headers.ContainsKey("X-User-Id"));
        Assert.False(headers.ContainsKey("X-Tenant"));
        Assert.False(headers.ContainsKey("X-Internal-Secret"));
        Assert.Equal("kept", headers["X-Request-Id"]);
    }

    [Fact]
    public void Removes_OwnedNames_FromConnection_KeepingTheOthers()
    {
        var headers = new HeaderDictionary { ["Connection"] = new StringValues(["keep-alive, X-USER-ID", " x-tenant ,Upgrade"]) };

        Stripper.Strip(headers);

        Assert.Equal("keep-alive, Upgrade", headers["Connection"].ToString());
    }

    [Fact]
    public void Removes_Connection_WhenItListedOnlyOwnedNames()
    {
        var headers = new HeaderDictionary { ["Connection"] = "X-User-Id, x-tenant" };

        Stripper.Strip(headers);

        Assert.False(headers.ContainsKey("Connection"));
    }

    [Fact]
    public void Leaves_Connection_Untouched_WhenItListsNoOwnedName()
    {
        var headers = new HeaderDictionary { ["Connection"] = "keep-alive,  close" };

        Stripper.Strip(headers);

        Assert.Equal("keep-alive,  close", headers["Connection"].ToString());
    }

    [Fact]
    public void Names_AreDeduplicatedCaseInsensitively()
    {
        var stripper = new IdentityHeaderStripper(["X-A", "x-a", "X-B"]);

        Assert.Equal(2 + RoutingHeaders.Names.Count, stripper.Names.Count);
    }
}

public sealed class RoutingHeaderStripperTests
{
    private static readonly IdentityHeaderStripper Stripper = new(
        ["X-User-Id"],
        new Dictionary<string, string[]> { ["legacy"] = ["x-real-ip", "X-HTTP-Method-Override", "X-User-Id"] });

    [Fact]
    public void Removes_EveryRoutingHeader_OnEveryRoute_ByDefault()
    {
        var headers = new HeaderDictionary();
        foreach (var name in RoutingHeaders.Names)
        {
            headers[name.ToLowerInvariant()] = "spoofed";
        }

        headers["X_Original_URL"] = "/admin";
        headers["X-Request-Id"] = "kept";

        Stripper.Strip(headers, "any-route");

        Assert.Equal(["X-Request-Id"], headers.Keys);
    }

    [Fact]
    public void Keeps_TheHeadersARoutePasses_ButNeverTheGatewaysOwn()
    {
        var headers = new HeaderDictionary { ["X-Real-IP"] = "10.0.0.1", ["X-HTTP-Method-Override"] = "DELETE", ["X-Original-URL"] = "/admin", ["X-User-Id"] = "admin" };

        Stripper.Strip(headers, "LEGACY");

        Assert.Equal("10.0.0.1", headers["X-Real-IP"]);
        Assert.Equal("DELETE", headers["X-HTTP-Method-Override"]);
        Assert.False(headers.ContainsKey("X-Original-URL"));
        Assert.False(headers.ContainsKey("X-User-Id"));
    }

    [Fact]
    public void ForwardedFor_Host_Proto_AndPrefix_AreLeftToYarp()
    {
        Assert.DoesNotContain(RoutingHeaders.Names, name => name is "X-Forwarded-For" or "X-Forwarded-Host" or "X-Forwarded-Proto" or "X-Forwarded-Prefix");
    }
}
