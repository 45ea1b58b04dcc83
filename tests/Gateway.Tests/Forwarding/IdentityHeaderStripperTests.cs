using Gateway.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Forwarding;

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

        Assert.Equal(2, stripper.Names.Count);
    }
}
