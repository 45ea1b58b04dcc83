using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Microsoft.AspNetCore.Http;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// The dashboard's switch and credential, read from the active configuration on every request
/// (<c>Gateway:Diagnostics:Dashboard:Enabled</c> and <c>ApiKey</c>): a reload that rotates a leaked key or switches the
/// dashboard off applies to the next request; the old key never keeps working. The credential is HTTP Basic with any user
/// name and the key as the password (what a browser prompts for), or <c>Authorization: Bearer KEY</c> (scripts). Compared as
/// SHA-256 hashes in constant time, like the revocation endpoint's key. Without a key (Development only) every request passes.
/// </summary>
internal sealed class DashboardCredential
{
    private readonly Func<DashboardOptions> _current;
    private volatile HashedKey? _hashed; // the hash of the key last read: it changes only with a reload

    public DashboardCredential(Func<DashboardOptions> current)
    {
        _current = current;
    }

    /// <summary>Whether the active configuration enables the dashboard.</summary>
    public bool Enabled => _current().Enabled;

    public bool IsAuthorized(HttpRequest request)
    {
        var keyHash = HashOf(_current().ApiKey);
        if (keyHash is null)
        {
            return true;
        }

        var header = request.Headers.Authorization.ToString();
        string? presented = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = header["Bearer ".Length..].Trim();
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            presented = BasicPassword(header["Basic ".Length..].Trim());
        }

        return presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), keyHash);
    }

    private byte[]? HashOf(string? apiKey)
    {
        var hashed = _hashed;
        if (hashed is null || !string.Equals(hashed.Key, apiKey, StringComparison.Ordinal))
        {
            hashed = new HashedKey(apiKey, apiKey is null ? null : Hash(apiKey.Trim()));
            _hashed = hashed;
        }

        return hashed.Hash;
    }

    private static string? BasicPassword(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : text[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    private sealed record HashedKey(string? Key, byte[]? Hash);
}
