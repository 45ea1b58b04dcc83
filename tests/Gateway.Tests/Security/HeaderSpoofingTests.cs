using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>A client trying to supply, or make the gateway drop, its identity headers, with raw requests.</summary>
public sealed class HeaderSpoofingTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public HeaderSpoofingTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _fixture.Config().StartAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string, string> Spoofs() => new()
    {
        { "lower case", "x-user-id: admin\n" },
        { "upper case", "X-USER-ID: admin\n" },
        { "repeated", "X-User-Id: admin\nX-User-Id: root\nx-user-id: admin\n" },
        { "comma list", "X-User-Id: admin, root\n" },
        { "empty value", "X-User-Id:\n" },
        { "underscores", "X_User_Id: admin\nx_user-id: admin\n" },
        { "listed in Connection", "Connection: X-User-Id\n" },
        { "listed in Connection, odd case, among others", "Connection: keep-alive, x-USER-id , Upgrade\n" },
        { "value with padding", "X-User-Id:    admin    \n" },
    };

    [Theory]
    [MemberData(nameof(Spoofs))]
    public async Task ClientCopies_NeverReachTheDownstream_AndTheVerifiedClaimAlwaysDoes(string spoof, string headers)
    {
        var token = _fixture.Idp.Mint();

        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /api/x HTTP/1.1\nHost: t\nAuthorization: Bearer {token}\n{headers}Connection: close\n");

        Assert.True(response.Status == 200, $"{spoof}: {response.Status}");
        var received = _fixture.Downstream.Single();
        Assert.Equal("alice", Assert.Single(received.Headers["X-User-Id"]));
        Assert.DoesNotContain(received.Headers.Keys, name => name.Replace('_', '-').Equals("X-User-Id", StringComparison.OrdinalIgnoreCase) && name != "X-User-Id");
        Assert.DoesNotContain(received.Headers.GetValueOrDefault("Connection") ?? [], value => value!.Contains("user", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ClientCopies_AreStripped_OnRefusedRequestsToo_AndNothingIsForwarded()
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, "GET /api/x HTTP/1.1\nHost: t\nX-User-Id: admin\nAuthorization: Bearer x.y.z\nConnection: close\n");

        Assert.Equal(401, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }
}
