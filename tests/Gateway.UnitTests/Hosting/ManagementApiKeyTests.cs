using Gateway.Hosting;

namespace Gateway.UnitTests.Hosting;

/// <summary>The management endpoints' key: the active configuration's at every call, never matched when unset.</summary>
public sealed class ManagementApiKeyTests
{
    private const string OldKey = "management-old-key-0123456789abcdef0123456789";
    private const string NewKey = "management-new-key-0123456789abcdef0123456789";

    [Fact]
    public void ARotatedKey_AppliesAtTheNextCall_AndTheOldOneStopsMatching()
    {
        string? current = OldKey;
        var key = new ManagementApiKey(() => current);
        Assert.True(key.Matches(OldKey));

        current = NewKey;

        Assert.False(key.Matches(OldKey));
        Assert.True(key.Matches(NewKey));
    }

    [Fact]
    public void WithoutAKey_NothingMatches()
    {
        string? current = OldKey;
        var key = new ManagementApiKey(() => current);
        Assert.True(key.IsSet);

        current = null;

        Assert.False(key.IsSet);
        Assert.False(key.Matches(OldKey));
        Assert.False(key.Matches(""));
        Assert.False(key.Matches(null));
    }

    [Theory]
    [InlineData(OldKey + "x")]
    [InlineData("management-old-key-0123456789abcdef012345678")]
    [InlineData("MANAGEMENT-OLD-KEY-0123456789ABCDEF0123456789")]
    [InlineData("")]
    public void OnlyTheExactKey_Matches(string presented)
    {
        var key = new ManagementApiKey(() => OldKey);

        Assert.False(key.Matches(presented));
    }

    [Fact]
    public void TheConfiguredKey_IsTrimmed_AsWhenItIsReadFromASecretFile()
    {
        var key = new ManagementApiKey(() => "  " + OldKey + "\n");

        Assert.True(key.Matches(OldKey));
    }
}
