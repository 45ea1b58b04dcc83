using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

/// <summary>
/// The configuration rules of the local key sources (<c>JwksFile</c>, <c>Jwks</c>), each error at its exact path;
/// one valid baseline (<see cref="ConfigValidationTests.Valid"/>), one change per case.
/// </summary>
public sealed class LocalKeySourceConfigTests : IDisposable
{
    private static readonly string PublicJwks = TestIdentityProvider.JwksJson([TestIdentityProvider.CreateUnpublishedRsaKey("k1")]);
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-jwks-config-").FullName;

    private string GoodFile => Write("good.json", PublicJwks);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static JsonObject MainIssuer(JsonObject config) => config["Gateway"]!["Issuers"]!["main"]!.AsObject();

    /// <summary>The valid baseline with its issuer's key source replaced by <paramref name="source"/> (and the Issuer string unless told).</summary>
    private static JsonObject With(JsonObject source, bool withIssuer = true)
    {
        var config = ConfigValidationTests.Valid();
        var issuer = MainIssuer(config);
        issuer.Remove("Authority");
        foreach (var (key, value) in source)
        {
            issuer[key] = value?.DeepClone();
        }

        if (withIssuer)
        {
            issuer["Issuer"] = "https://issuer.example.com";
        }

        return config;
    }

    public static TheoryData<string> CaseNames() => new(["file without Issuer", "inline without Issuer", "file and inline", "file and Authority", "relative file", "missing file", "directory", "not JSON", "private key", "inline private key", "inline object", "inline not JSON"]);

    private (JsonObject Config, string Path, string Message) Case(string name) => name switch
    {
        "file without Issuer" => (With(new JsonObject { ["JwksFile"] = GoodFile }, withIssuer: false), "Gateway:Issuers:main:Issuer", "required with JwksFile"),
        "inline without Issuer" => (With(new JsonObject { ["Jwks"] = PublicJwks }, withIssuer: false), "Gateway:Issuers:main:Issuer", "required with Jwks"),
        "file and inline" => (With(new JsonObject { ["JwksFile"] = GoodFile, ["Jwks"] = PublicJwks }), "Gateway:Issuers:main", "more than one key source: set only one of Authority/MetadataAddress, JwksUri, JwksFile, Jwks, Development"),
        "file and Authority" => (With(new JsonObject { ["JwksFile"] = GoodFile, ["Authority"] = "https://idp.example.com" }), "Gateway:Issuers:main", "more than one key source"),
        "relative file" => (With(new JsonObject { ["JwksFile"] = "keys/jwks.json" }), "Gateway:Issuers:main:JwksFile", "'keys/jwks.json' is not an absolute path"),
        "missing file" => (With(new JsonObject { ["JwksFile"] = Path.Combine(_directory, "none.json") }), "Gateway:Issuers:main:JwksFile", "could not be read: no such file"),
        "directory" => (With(new JsonObject { ["JwksFile"] = _directory }), "Gateway:Issuers:main:JwksFile", "could not be read"),
        "not JSON" => (With(new JsonObject { ["JwksFile"] = Write("bad.json", "keys: []") }), "Gateway:Issuers:main:JwksFile", "is not a usable JWKS: not JSON"),
        "private key" => (With(new JsonObject { ["JwksFile"] = Write("private.json", """{"keys":[{"kty":"EC","kid":"p","crv":"P-256","x":"AQ","y":"AQ","d":"AQ"}]}""") }), "Gateway:Issuers:main:JwksFile", "key 0 (kid 'p'): holds the private or symmetric key part 'd'"),
        "inline private key" => (With(new JsonObject { ["Jwks"] = """{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}""" }), "Gateway:Issuers:main:Jwks", "private or symmetric key part 'k'"),
        "inline object" => (With(new JsonObject { ["Jwks"] = JsonNode.Parse(PublicJwks) }), "Gateway:Issuers:main:Jwks", "expected a string, found an object"),
        "inline not JSON" => (With(new JsonObject { ["Jwks"] = "keys" }), "Gateway:Issuers:main:Jwks", "not a usable JWKS: not JSON"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReportsError_AtItsExactPath(string name)
    {
        var (config, path, message) = Case(name);

        var errors = await ConfigValidationTests.ValidateAsync(config);

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileAndInline_WithIssuer_AreValid()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(With(new JsonObject { ["JwksFile"] = GoodFile })));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(With(new JsonObject { ["Jwks"] = PublicJwks })));
    }

    [Fact]
    public async Task InlineJwks_FromAnOverride_ReplacesTheFilesValue_Exactly()
    {
        // An environment variable (here an in-memory layer) carries the JWKS as one string, as a Secret would.
        var errors = await ConfigValidationTests.ValidateAsync(
            With(new JsonObject { ["Jwks"] = "{}" }),
            overrides: new Dictionary<string, string?> { ["Gateway:Issuers:main:Jwks"] = PublicJwks });

        Assert.Empty(errors); // "{}" alone would be refused: the override's string replaced it whole
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
