using Gateway.Redis;

namespace Gateway.UnitTests.Keys;

/// <summary>The change notice on <c>{prefix}keys-changed</c>: a replica reads its peers' notices, never its own.</summary>
public sealed class ChangeNoticeTests
{
    [Fact]
    public void APeersNotice_IsRead()
    {
        var message = ChangeNotice.Format("corp", "https://idp.example/jwks", "replica-a");

        Assert.True(ChangeNotice.TryReadFromPeer(message, "replica-b", out var issuer, out var source));
        Assert.Equal(("corp", "https://idp.example/jwks"), (issuer, source));
    }

    [Fact]
    public void OwnNotice_IsNotRead() =>
        Assert.False(ChangeNotice.TryReadFromPeer(ChangeNotice.Format("corp", "https://idp.example/jwks", "replica-a"), "replica-a", out _, out _));

    [Fact]
    public void ANoticeWithoutReplicaId_FromAnEarlierVersion_IsRead()
    {
        Assert.True(ChangeNotice.TryReadFromPeer("corp\nhttps://idp.example/jwks", "replica-a", out var issuer, out var source));
        Assert.Equal(("corp", "https://idp.example/jwks"), (issuer, source));
    }

    [Theory]
    [InlineData("")]
    [InlineData("corp")]
    [InlineData("\nhttps://idp.example/jwks")]
    [InlineData("corp\n")]
    public void AMalformedNotice_IsNotRead(string message) =>
        Assert.False(ChangeNotice.TryReadFromPeer(message, "replica-a", out _, out _));
}
