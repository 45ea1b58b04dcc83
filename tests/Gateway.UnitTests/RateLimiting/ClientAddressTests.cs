using System.Net;
using Gateway.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.RateLimiting;

/// <summary>
/// Which address a rate limit counts an anonymous request by: the peer, unless the peer is a configured trusted proxy;
/// then the rightmost <c>X-Forwarded-For</c> hop that is not a trusted proxy. What a client writes itself (entries left
/// of the first untrusted hop) is never believed.
/// </summary>
public sealed class ClientAddressTests
{
    private static readonly TrustedProxies Proxies = TrustedProxies.Parse(["10.0.0.0/8", "192.168.1.10", "fd00::/8"]);

    private static string Resolve(string peer, string? forwardedFor, TrustedProxies? proxies = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return ClientAddress.Resolve(context, proxies ?? Proxies);
    }

    /// <summary>A limit counts an IPv6 client by its /64: a subscriber holds a whole /64 and could rotate addresses within it.</summary>
    [Theory]
    [InlineData("2001:db8:1:2::7", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64")] // the same /64: one bucket
    [InlineData("2001:db8:1:3::7", "2001:db8:1:3::/64")] // the next /64: another
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")] // IPv4-mapped: counted as IPv4
    public void Counting_GroupsIPv6By64_KeepsIPv4(string peer, string expected)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);

        Assert.Equal(expected, ClientAddress.ResolveForCounting(context, TrustedProxies.Parse([])));
    }

    [Fact]
    public void Counting_BehindATrustedProxy_GroupsTheForwardedIPv6ClientBy64()
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
        context.Request.Headers["X-Forwarded-For"] = "2001:db8:aa:bb:1:2:3:4";

        Assert.Equal("2001:db8:aa:bb::/64", ClientAddress.ResolveForCounting(context, Proxies));
    }

    [Theory]
    [InlineData("203.0.113.7", null, "203.0.113.7")]
    [InlineData("203.0.113.7", "198.51.100.1", "203.0.113.7")] // an untrusted peer's header is ignored
    [InlineData("10.1.2.3", null, "10.1.2.3")] // a trusted proxy without the header: the proxy itself
    [InlineData("10.1.2.3", "198.51.100.1", "198.51.100.1")]
    [InlineData("10.1.2.3", "1.1.1.1, 198.51.100.1", "198.51.100.1")] // 1.1.1.1 was written by the client: not believed
    [InlineData("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.168.1.10", "198.51.100.1")] // two trusted hops skipped
    [InlineData("10.1.2.3", "198.51.100.1:4711", "198.51.100.1")]
    [InlineData("10.1.2.3", "[2001:db8::7]:4711", "2001:db8::7")]
    [InlineData("10.1.2.3", "garbage, 10.9.9.9", "10.9.9.9")] // a hop that is not an address stops the walk at the last trusted one
    [InlineData("10.1.2.3", "10.9.9.9, 192.168.1.10", "10.9.9.9")] // every hop trusted: the leftmost
    [InlineData("::ffff:10.1.2.3", "198.51.100.1", "198.51.100.1")] // an IPv4-mapped peer is compared as IPv4
    [InlineData("fd00::1", "2001:db8::7", "2001:db8::7")]
    public void Resolves(string peer, string? forwardedFor, string expected)
    {
        Assert.Equal(expected, Resolve(peer, forwardedFor));
    }

    [Fact]
    public void SeveralHeaderLines_AreReadAsOneList_FromTheLast()
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
        context.Request.Headers["X-Forwarded-For"] = new Microsoft.Extensions.Primitives.StringValues(["1.1.1.1", "198.51.100.1, 10.2.2.2"]);

        Assert.Equal("198.51.100.1", ClientAddress.Resolve(context, Proxies));
    }

    [Fact]
    public void WithoutTrustedProxies_TheHeaderIsNeverRead()
    {
        Assert.Equal("10.1.2.3", Resolve("10.1.2.3", "198.51.100.1", TrustedProxies.None));
    }

    [Theory]
    [InlineData("10.0.0.5", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("10.0.0.1/8", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("proxy.internal", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("", false)]
    public void TrustedProxyEntries(string entry, bool valid)
    {
        Assert.Equal(valid, TrustedProxies.TryParseEntry(entry, out _));
    }
}
