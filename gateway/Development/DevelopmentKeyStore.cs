using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Development;

/// <summary>
/// The development issuer's signing key: an RSA key generated on first use and kept in a local
/// directory (never in the repository), so the running gateway and the <c>token</c> command agree.
/// </summary>
internal sealed class DevelopmentKeyStore
{
    private const string FileName = "dev-signing-key.json";
    private readonly Lazy<JsonWebKey> _privateKey;

    public DevelopmentKeyStore(string directory)
    {
        Directory = directory;
        _privateKey = new Lazy<JsonWebKey>(LoadOrCreate);
    }

    public string Directory { get; }

    public static string DefaultDirectory { get; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "jwt-gateway", "dev-issuer");

    /// <summary>The private key, for signing development tokens.</summary>
    public JsonWebKey PrivateKey => _privateKey.Value;

    /// <summary>The public JWKS document the development issuer publishes.</summary>
    public string PublicJwksJson()
    {
        var key = PrivateKey;
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = key.Kty,
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["kid"] = key.Kid,
            ["n"] = key.N,
            ["e"] = key.E,
        };
        return JsonSerializer.Serialize(new { keys = new[] { jwk } });
    }

    private JsonWebKey LoadOrCreate()
    {
        var path = Path.Combine(Directory, FileName);
        if (File.Exists(path))
        {
            return new JsonWebKey(File.ReadAllText(path));
        }

        System.IO.Directory.CreateDirectory(Directory);
        using var rsa = RSA.Create(2048);
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: true)));
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        var json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["n"] = jwk.N, ["e"] = jwk.E, ["d"] = jwk.D,
            ["p"] = jwk.P, ["q"] = jwk.Q, ["dp"] = jwk.DP, ["dq"] = jwk.DQ, ["qi"] = jwk.QI,
        });

        // Write then move, owner-only, so a half-written or world-readable key never exists.
        var temp = path + ".tmp";
        File.WriteAllText(temp, json);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        return new JsonWebKey(json);
    }
}
