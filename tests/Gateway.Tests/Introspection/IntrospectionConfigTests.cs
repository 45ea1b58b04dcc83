using System.Text.Json.Nodes;
using Gateway.Tests.Configuration;

namespace Gateway.Tests.Introspection;

/// <summary>
/// The configuration rules of <c>Gateway:Issuers:{name}:Introspection</c>, each error at its exact path; one valid
/// baseline (<see cref="ConfigValidationTests.Valid"/> plus an introspecting issuer), one change per case.
/// </summary>
public sealed class IntrospectionConfigTests : IDisposable
{
    private const string Secret = "a-real-looking-secret-8d1f0c";
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-introspection-config-").FullName;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The valid baseline plus issuer <c>opaque</c>: endpoint, client id and secret, its own <c>iss</c>.</summary>
    private static JsonObject Valid(Action<JsonObject>? introspection = null, Action<JsonObject>? issuer = null)
    {
        var config = ConfigValidationTests.Valid();
        var settings = new JsonObject
        {
            ["Endpoint"] = "https://as.example.com/oauth2/introspect",
            ["ClientId"] = "gateway",
            ["ClientSecret"] = Secret,
        };
        introspection?.Invoke(settings);
        var opaque = new JsonObject
        {
            ["Issuer"] = "https://as.example.com",
            ["Audiences"] = new JsonArray("api"),
            ["Introspection"] = settings,
        };
        issuer?.Invoke(opaque);
        config["Gateway"]!["Issuers"]!["opaque"] = opaque;
        return config;
    }

    private const string P = "Gateway:Issuers:opaque:Introspection";

    public static TheoryData<string> CaseNames() => new([
        "no endpoint, no authority", "endpoint not a URL", "endpoint plain http", "no issuer", "no client id", "unknown client authentication",
        "no secret", "secret and file", "relative secret file", "missing secret file", "empty secret file", "placeholder secret file",
        "placeholder secret", "zero timeout", "long timeout", "zero max cache", "long max cache", "negative inactive cache", "zero entries",
        "unknown tokens mode", "two introspecting issuers", "development issuer", "unknown key",
    ]);

    private (JsonObject Config, string Path, string Message) Case(string name) => name switch
    {
        "no endpoint, no authority" => (Valid(i => i.Remove("Endpoint")), $"{P}:Endpoint", "required when the issuer has no Authority or MetadataAddress"),
        "endpoint not a URL" => (Valid(i => i["Endpoint"] = "as.example.com/introspect"), $"{P}:Endpoint", "is not an absolute http(s) URL"),
        "endpoint plain http" => (Valid(i => i["Endpoint"] = "http://as.example.com/introspect"), $"{P}:Endpoint", "plain http is refused while RequireHttpsMetadata is true"),
        "no issuer" => (Valid(issuer: i => i.Remove("Issuer")), "Gateway:Issuers:opaque:Issuer", "required with Introspection when Authority is not set"),
        "no client id" => (Valid(i => i.Remove("ClientId")), $"{P}:ClientId", "required"),
        "unknown client authentication" => (Valid(i => i["ClientAuthentication"] = "private_key_jwt"), $"{P}:ClientAuthentication", "'private_key_jwt' is not one of 'client_secret_basic', 'client_secret_post'"),
        "no secret" => (Valid(i => i.Remove("ClientSecret")), P, "no client secret: set ClientSecret"),
        "secret and file" => (Valid(i => i["ClientSecretFile"] = Write("secret", Secret)), P, "set only one of ClientSecret and ClientSecretFile"),
        "relative secret file" => (Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = "secrets/client"; }), $"{P}:ClientSecretFile", "'secrets/client' is not an absolute path"),
        "missing secret file" => (Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = Path.Combine(_directory, "none"); }), $"{P}:ClientSecretFile", "could not be read or is empty"),
        "empty secret file" => (Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = Write("empty", "\n"); }), $"{P}:ClientSecretFile", "could not be read or is empty"),
        "placeholder secret file" => (Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = Write("placeholder", "CHANGE_ME\n"); }), $"{P}:ClientSecretFile", "holds a placeholder"),
        "placeholder secret" => (Valid(i => i["ClientSecret"] = "<client-secret>"), $"{P}:ClientSecret", "is a placeholder: supply the secret, e.g. the environment variable Gateway__Issuers__opaque__Introspection__ClientSecret"),
        "zero timeout" => (Valid(i => i["Timeout"] = "00:00:00"), $"{P}:Timeout", "must be a positive duration"),
        "long timeout" => (Valid(i => i["Timeout"] = "00:01:00"), $"{P}:Timeout", "must be at most 00:00:30"),
        "zero max cache" => (Valid(i => i["MaxCacheDuration"] = "00:00:00"), $"{P}:MaxCacheDuration", "must be a positive duration"),
        "long max cache" => (Valid(i => i["MaxCacheDuration"] = "02:00:00"), $"{P}:MaxCacheDuration", "must be at most 01:00:00"),
        "negative inactive cache" => (Valid(i => i["InactiveCacheDuration"] = "-00:00:01"), $"{P}:InactiveCacheDuration", "must be between 00:00:00 and 00:05:00"),
        "zero entries" => (Valid(i => i["MaxCacheEntries"] = 0), $"{P}:MaxCacheEntries", "must be between 1 and"),
        "unknown tokens mode" => (Valid(i => i["Tokens"] = "Jwt"), $"{P}:Tokens", "'Jwt' is not one of 'Opaque', 'All'"),
        "two introspecting issuers" => (Valid(issuer: _ => { }).Also(c => c["Gateway"]!["Issuers"]!["main"]!["Introspection"] = new JsonObject { ["ClientId"] = "g", ["ClientSecret"] = Secret }), "Gateway:Issuers:opaque:Introspection", "only one issuer may introspect tokens ('main' already does)"),
        "development issuer" => (Valid(issuer: i => { i.Remove("Issuer"); i["Development"] = true; }).Also(c => c["Gateway"]!["Development"] = new JsonObject()), P, "the development issuer signs its own tokens"),
        "unknown key" => (Valid(i => i["Secret"] = "x"), $"{P}:Secret", "unknown key 'Secret' (known keys: Endpoint, Tokens, ClientId"),
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
    public async Task Baseline_AndEveryDocumentedForm_AreValid()
    {
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid()));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = Write("secret", Secret + "\n"); })));
        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(i => { i.Remove("Endpoint"); i["Tokens"] = "All"; i["ClientAuthentication"] = "client_secret_post"; }, i => { i.Remove("Issuer"); i["Authority"] = "https://as.example.com"; })));
    }

    [Fact]
    public async Task PlaceholderSecret_IsAcceptedInDevelopment_AndTheSecretIsNeverQuoted()
    {
        Assert.DoesNotContain(await ConfigValidationTests.ValidateAsync(Valid(i => i["ClientSecret"] = "CHANGE_ME"), "Development"), e => e.Path.StartsWith(P, StringComparison.Ordinal));

        var errors = await ConfigValidationTests.ValidateAsync(Valid(i => { i.Remove("ClientSecret"); i["ClientSecretFile"] = Write("todo", "TODO-secret"); }));
        Assert.Contains(errors, e => e.Path == $"{P}:ClientSecretFile");
        Assert.DoesNotContain(errors, e => e.Message.Contains("TODO-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretFromTheEnvironment_ReplacesTheFilesPlaceholder()
    {
        var overrides = new Dictionary<string, string?> { [$"{P}:ClientSecret"] = Secret };

        Assert.Empty(await ConfigValidationTests.ValidateAsync(Valid(i => i["ClientSecret"] = "CHANGE_ME"), overrides: overrides));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject config, Action<JsonObject> change)
    {
        change(config);
        return config;
    }
}
