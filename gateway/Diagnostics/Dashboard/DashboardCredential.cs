using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// The dashboard's credential (<c>Gateway:Diagnostics:Dashboard:ApiKey</c>): HTTP Basic with any user name and the key
/// as the password (what a browser prompts for), or <c>Authorization: Bearer KEY</c> (scripts). Compared as SHA-256
/// hashes in constant time, like the revocation endpoint's key. Without a key (Development only) every request passes.
/// </summary>
internal sealed class DashboardCredential
{
    private readonly byte[]? _keyHash;

    public DashboardCredential(string? apiKey)
    {
        _keyHash = apiKey is null ? null : Hash(apiKey.Trim());
    }

    public bool Required => _keyHash is not null;

    public bool IsAuthorized(HttpRequest request)
    {
        if (_keyHash is null)
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

        return presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _keyHash);
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
}
