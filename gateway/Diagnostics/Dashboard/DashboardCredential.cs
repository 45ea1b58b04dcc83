using System.Text;
using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// The dashboard's switch and credential, read from the active configuration on every request
/// (<c>Gateway:Diagnostics:Dashboard:Enabled</c> and <c>ApiKey</c>): a reload that rotates a leaked key or switches the
/// dashboard off applies to the next request; the old key never keeps working. The credential is HTTP Basic with any user
/// name and the key as the password (what a browser prompts for), or <c>Authorization: Bearer KEY</c> (scripts). Compared as
/// SHA-256 hashes in constant time (<see cref="ManagementApiKey"/>), like the revocation endpoint's key. Without a key (Development only) every request passes.
/// </summary>
internal sealed class DashboardCredential
{
    private readonly Func<DashboardOptions> _current;
    private readonly ManagementApiKey _key;

    public DashboardCredential(Func<DashboardOptions> current)
    {
        _current = current;
        _key = new ManagementApiKey(() => current().ApiKey);
    }

    /// <summary>Whether the active configuration enables the dashboard.</summary>
    public bool Enabled => _current().Enabled;

    public bool IsAuthorized(HttpRequest request)
    {
        if (!_key.IsSet)
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

        return _key.Matches(presented);
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
}
