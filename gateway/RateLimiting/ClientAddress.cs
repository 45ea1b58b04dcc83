using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.RateLimiting;

/// <summary>
/// The client address a rate limit counts by. The connection's peer, unless the peer is a trusted proxy: then
/// <c>X-Forwarded-For</c> is read from the right (the hop the trusted proxy appended) leftwards, skipping trusted
/// proxies, and the first address that is not one is the client. Entries left of it were written by whoever the
/// client is and are never believed; an entry that is not an address stops the walk at the last trusted hop.
/// </summary>
internal static class ClientAddress
{
    /// <summary>Text of the address (<c>203.0.113.7</c>, <c>2001:db8::1</c>), or <c>unknown</c> without a peer address.</summary>
    public static string Resolve(HttpContext context, TrustedProxies proxies) =>
        ResolveAddress(context, proxies)?.ToString() ?? "unknown";

    /// <summary>
    /// What a limit counts the client by: an IPv4 address as is, an IPv6 address by its /64 network
    /// (<c>2001:db8:1:2::/64</c>). One IPv6 subscriber is routinely given a whole /64 and can pick a new address for
    /// every request; counting each address apart would let it step around any limit.
    /// </summary>
    public static string ResolveForCounting(HttpContext context, TrustedProxies proxies)
    {
        var address = ResolveAddress(context, proxies);
        if (address is null)
        {
            return "unknown";
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    private static IPAddress? ResolveAddress(HttpContext context, TrustedProxies proxies)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(proxies);
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null)
        {
            return null;
        }

        peer = TrustedProxies.Normalize(peer);
        if (proxies.IsEmpty || !proxies.Contains(peer))
        {
            return peer;
        }

        return FromForwardedFor(context.Request.Headers["X-Forwarded-For"], peer, proxies);
    }

    private static IPAddress FromForwardedFor(StringValues values, IPAddress peer, TrustedProxies proxies)
    {
        var current = peer;
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var entries = (values[v] ?? "").Split(',');
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                var entry = entries[i].Trim();
                if (entry.Length == 0)
                {
                    continue;
                }

                if (!TryParseHop(entry, out var hop))
                {
                    return current; // not an address: nothing left of it can be believed
                }

                if (!proxies.Contains(hop))
                {
                    return hop;
                }

                current = hop;
            }
        }

        return current; // every hop is a trusted proxy: the leftmost one is the best that is known
    }

    // "203.0.113.7", "203.0.113.7:4711", "2001:db8::1", "[2001:db8::1]:4711".
    private static bool TryParseHop(string entry, out IPAddress address)
    {
        if (IPAddress.TryParse(entry, out address!) && !entry.Contains('%', StringComparison.Ordinal))
        {
            address = TrustedProxies.Normalize(address);
            return true;
        }

        if (IPEndPoint.TryParse(entry, out var endpoint) && !entry.Contains('%', StringComparison.Ordinal))
        {
            address = TrustedProxies.Normalize(endpoint.Address);
            return true;
        }

        return false;
    }
}
