using System.Net;
using System.Net.Sockets;

namespace Gateway.RateLimiting;

/// <summary>
/// The proxies in front of the gateway (<c>Gateway:TrustedProxies</c>): single addresses or CIDR networks. Only a
/// request that arrived from one of them has its <c>X-Forwarded-For</c> believed, and only the hops they appended
/// (<see cref="ClientAddress"/>). IPv4-mapped IPv6 addresses are compared as IPv4.
/// </summary>
internal sealed class TrustedProxies
{
    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks)
    {
        _networks = networks;
    }

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>Parses validated entries (see <see cref="TryParseEntry"/>).</summary>
    public static TrustedProxies Parse(IReadOnlyList<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var networks = new List<IPNetwork>(entries.Count);
        foreach (var entry in entries)
        {
            networks.Add(TryParseEntry(entry, out var network) ? network : throw new ArgumentException($"'{entry}' is not an IP address or network", nameof(entries)));
        }

        return networks.Count == 0 ? None : new TrustedProxies([.. networks]);
    }

    /// <summary>An address (<c>10.0.0.5</c>, <c>::1</c>) or a network in CIDR notation (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) with no host bits set.</summary>
    public static bool TryParseEntry(string? entry, out IPNetwork network)
    {
        network = default;
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            // IPNetwork masks host bits away: 10.0.0.1/8 would silently mean 10.0.0.0/8. Written so, it is a mistake.
            return IPNetwork.TryParse(text, out network)
                && IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/', StringComparison.Ordinal)), out var written)
                && written.Equals(network.BaseAddress);
        }

        if (!IPAddress.TryParse(text, out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        address = Normalize(address);
        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        address = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
