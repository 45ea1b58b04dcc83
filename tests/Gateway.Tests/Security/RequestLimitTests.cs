using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>
/// Request smuggling shapes and Kestrel limits, sent as raw bytes: each is refused by Kestrel or by the
/// gateway's request guard, and none reaches the downstream.
/// </summary>
public sealed class RequestLimitTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private GatewayInstance _gateway = null!;

    public RequestLimitTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await _fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Route("public", "public")
            .StartAsync();
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string, string> SmugglingShapes() => new()
    {
        { "CL then TE", "POST /public/x HTTP/1.1\nHost: t\nContent-Length: 5\nTransfer-Encoding: chunked\nConnection: close\n\n0\r\n\r\n" },
        { "TE then CL", "POST /public/x HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\nContent-Length: 5\nConnection: close\n\n0\r\n\r\n" },
        { "CL then TE, a smuggled request in the chunk", "POST /public/x HTTP/1.1\nHost: t\nContent-Length: 4\nTransfer-Encoding: chunked\n\n2a\r\nGET /public/smuggled HTTP/1.1\r\nHost: t\r\n\r\n\r\n0\r\n\r\n" },
        { "CL then TE, odd case", "POST /public/x HTTP/1.1\nHost: t\ncontent-length: 0\ntransfer-encoding: CHUNKED\nConnection: close\n\n0\r\n\r\n" },
        { "two different CL", "POST /public/x HTTP/1.1\nHost: t\nContent-Length: 5\nContent-Length: 6\nConnection: close\n\nhello!" },
        { "CL list", "POST /public/x HTTP/1.1\nHost: t\nContent-Length: 5, 6\nConnection: close\n\nhello!" },
        { "TE chunked then identity", "POST /public/x HTTP/1.1\nHost: t\nTransfer-Encoding: chunked, identity\nConnection: close\n\n0\r\n\r\n" },
        { "TE xchunked", "POST /public/x HTTP/1.1\nHost: t\nTransfer-Encoding: xchunked\nConnection: close\n\n0\r\n\r\n" },
        { "TE with space before colon", "POST /public/x HTTP/1.1\nHost: t\nTransfer-Encoding : chunked\nConnection: close\n\n0\r\n\r\n" },
        { "CL negative", "POST /public/x HTTP/1.1\nHost: t\nContent-Length: -1\nConnection: close\n\n" },
        { "two Host headers", "GET /public/x HTTP/1.1\nHost: t\nHost: u\nConnection: close\n" },
        { "obsolete line folding", "GET /public/x HTTP/1.1\nHost: t\n X-Folded: continuation\nConnection: close\n" },
        { "NUL in a header name", "GET /public/x HTTP/1.1\nHost: t\nX-Bad\u0000Name: v\nConnection: close\n" },
    };

    [Theory]
    [MemberData(nameof(SmugglingShapes))]
    public async Task SmugglingShapes_AreRefused(string shape, string request)
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, request);

        Assert.True(response.Status == 400, $"{shape}: {response.Status}, downstream received {_fixture.Downstream.Received.Count}");
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task ChunkedBody_WithoutContentLength_IsForwarded_ByteForByte()
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, "POST /public/x HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\nConnection: close\n\n5\r\nhel\nl\r\n3\r\no\r\n\r\n0\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.Equal("hel\nlo\r\n", received.Body);
        Assert.False(received.HasHeader("X-Content-Length"));
    }

    [Fact]
    public async Task SignedContentLength_IsReframed_SoTheDownstreamReadsTheSameBody()
    {
        // Kestrel reads "+5" as 5; YARP then frames the forwarded request itself, so gateway and downstream agree.
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, "POST /public/x HTTP/1.1\nHost: t\nContent-Length: +5\nConnection: close\n\nhello");

        Assert.Equal(200, response.Status);
        var received = _fixture.Downstream.Single();
        Assert.Equal("5", received.Header("Content-Length"));
        Assert.Equal("hello", received.Body);
    }

    [Fact]
    public async Task Headers_TooLarge_Get431()
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /public/x HTTP/1.1\nHost: t\nX-Big: {new string('a', 40 * 1024)}\nConnection: close\n");
        Assert.Equal(431, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Headers_TooMany_Get431()
    {
        var headers = string.Concat(Enumerable.Range(0, 120).Select(i => $"X-H{i}: v\n"));
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /public/x HTTP/1.1\nHost: t\n{headers}Connection: close\n");
        Assert.Equal(431, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task RequestLine_TooLong_Gets414()
    {
        var response = await RawHttp.SendAsync(_gateway.Client.BaseAddress!, $"GET /public/{new string('a', 9000)} HTTP/1.1\nHost: t\nConnection: close\n");
        Assert.Equal(414, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Body_TooLarge_Gets413()
    {
        await using var gateway = await _fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Route("public", "public")
            .Set("Limits", new JsonObject { ["MaxRequestBodySize"] = 1000 })
            .StartAsync();
        var response = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"POST /public/x HTTP/1.1\nHost: t\nContent-Length: 2000\nConnection: close\n\n{new string('a', 2000)}");
        Assert.Equal(413, response.Status);
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Limits_AreConfigurable_HeaderCount()
    {
        await using var gateway = await _fixture.Config()
            .Policy("public", new JsonObject { ["Anonymous"] = true })
            .Route("public", "public")
            .Set("Limits", new JsonObject { ["MaxRequestHeaderCount"] = 20 })
            .StartAsync();
        var headers = string.Concat(Enumerable.Range(0, 25).Select(i => $"X-H{i}: v\n"));

        var refused = await RawHttp.SendAsync(gateway.Client.BaseAddress!, $"GET /public/x HTTP/1.1\nHost: t\n{headers}Connection: close\n");
        var accepted = await RawHttp.SendAsync(gateway.Client.BaseAddress!, "GET /public/x HTTP/1.1\nHost: t\nX-One: v\nConnection: close\n");

        Assert.Equal(431, refused.Status);
        Assert.Equal(200, accepted.Status);
    }

    [Fact]
    public async Task SlowHeaders_AreCutOff_AfterRequestHeadersTimeout()
    {
        await using var gateway = await _fixture.Config()
            .Set("Limits", new JsonObject { ["RequestHeadersTimeout"] = "00:00:01" })
            .StartAsync();
        var address = gateway.Client.BaseAddress!;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /api/x HTTP/1.1\r\nHost: t\r\nX-Slow: "));

        // Never finish the headers: Kestrel answers 408 (or closes) within the timeout plus its 1 s heartbeat.
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.True(read == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Empty(_fixture.Downstream.Received);
    }
}
