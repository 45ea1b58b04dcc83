using System.Text.Json;
using Gateway.Tokens;

namespace Gateway.UnitTests.Tokens;

public sealed class ClaimPathTests
{
    private const string Payload = """
        {
          "sub": "alice",
          "org": { "tenant": "acme", "unit": { "id": 7 }, "tags": ["a"] },
          "org.tenant": "literal-wins",
          "https://example.com/roles": ["admin"],
          "realm_access": { "roles": ["user"] },
          "flat": "x",
          "nothing": null,
          "list": [ { "tenant": "inside-array" } ]
        }
        """;

    private static (bool Found, string? Raw) Resolve(string path, string payload = Payload)
    {
        using var document = JsonDocument.Parse(payload);
        var found = ClaimPath.Parse(path).TryResolve(document.RootElement, out var value);
        return (found, found ? value.GetRawText() : null);
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("org.tenant")]
    [InlineData("a.b.c")]
    [InlineData("https://example.com/roles")]
    [InlineData("realm_access.roles")]
    [InlineData("x-y_z:1")]
    public void IsValid_AcceptsNamesAndDottedPaths(string text)
    {
        Assert.True(ClaimPath.IsValid(text));
        Assert.Equal(text, ClaimPath.Parse(text).Text);
        Assert.Equal(text, ClaimPath.Parse(text).ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("org.")]
    [InlineData(".org")]
    [InlineData("org..tenant")]
    public void IsValid_RejectsEmptyOrEmptySegments(string? text)
    {
        Assert.False(ClaimPath.IsValid(text));
        Assert.Throws<ArgumentException>(() => ClaimPath.Parse(text!));
    }

    [Fact]
    public void Resolves_ATopLevelClaim()
    {
        Assert.Equal((true, "\"alice\""), Resolve("sub"));
    }

    [Fact]
    public void Resolves_NestedObjects()
    {
        Assert.Equal((true, "[\"user\"]"), Resolve("realm_access.roles"));
        Assert.Equal((true, "7"), Resolve("org.unit.id"));
        Assert.Equal((true, "{ \"id\": 7 }"), Resolve("org.unit"));
    }

    [Fact]
    public void Prefers_ALiteralClaimName_OverNestedLookup()
    {
        Assert.Equal((true, "\"literal-wins\""), Resolve("org.tenant"));
    }

    [Fact]
    public void Falls_BackToNestedLookup_WhenNoLiteralClaim()
    {
        Assert.Equal((true, "\"acme\""), Resolve("org.tenant", """{"org": {"tenant": "acme"}}"""));
    }

    [Fact]
    public void Resolves_NamespacedClaimNamesContainingDots_Literally()
    {
        Assert.True(Resolve("https://example.com/roles").Found);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("org.missing")]
    [InlineData("org.tenant.deeper")]
    [InlineData("flat.x")]
    [InlineData("org.tags.0")]
    [InlineData("list.tenant")]
    [InlineData("nothing.x")]
    [InlineData("Sub")]
    [InlineData("ORG.TENANT")]
    public void DoesNotResolve_MissingPaths_ThroughNonObjects_OrWithOtherCase(string path)
    {
        Assert.False(Resolve(path, Payload.Replace("\"org.tenant\": \"literal-wins\",", "", StringComparison.Ordinal)).Found);
    }

    [Fact]
    public void Resolves_AnExplicitNull_AsFound()
    {
        // ClaimPath reports what is there; callers decide that null counts as absent.
        Assert.Equal((true, "null"), Resolve("nothing"));
    }
}
