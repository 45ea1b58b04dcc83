using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Configuration.Rules;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// The rules a well-typed value can still break: whitespace inside a scope or role, a duration written as a
/// bare number, a placeholder secret outside Development, and the ASP.NET Core settings the host reads when it
/// starts (log levels, listen addresses, certificates). Same model as <see cref="ConfigValidationTests"/>: one
/// valid baseline, one change per case, the exact path of the error.
/// </summary>
public sealed class ConfigRuleTests : IDisposable
{
    private const string GoodIntegrityKey = "0123456789abcdef0123456789abcdef-test";
    private const string PfxPassword = "pfx-9c1d0e7f";
    private static readonly Lazy<(string Certificate, string Key, string Pfx)> Pem = new(WriteCertificateFiles);
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-rules-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static JsonObject Gw(JsonObject root) => root["Gateway"]!.AsObject();

    private static JsonObject Issuer(JsonObject root) => Gw(root)["Issuers"]!["main"]!.AsObject();

    private static JsonObject Policy(JsonObject root) => Gw(root)["Policies"]!["p"]!.AsObject();

    private static JsonObject Cluster(JsonObject root) => root["ReverseProxy"]!["Clusters"]!["backend"]!.AsObject();

    private static JsonObject Endpoint(JsonObject root, string name, JsonObject endpoint)
    {
        root["Kestrel"] = new JsonObject { ["Endpoints"] = new JsonObject { [name] = endpoint } };
        return endpoint;
    }

    private static void Redis(JsonObject root, string configuration, string integrityKey = GoodIntegrityKey) =>
        Gw(root)["Redis"] = new JsonObject { ["Configuration"] = configuration, ["IntegrityKey"] = integrityKey };

    private sealed record Case(Action<JsonObject> Change, string Path, string Message, bool OnlyError = true, string Environment = "Production");

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // A scope or role with whitespace can never match: scopes travel space-separated.
        ["scope with a space"] = new(c => Policy(c)["Scopes"] = new JsonArray("orders read"), "Gateway:Policies:p:Scopes:0", "contains whitespace"),
        ["second scope with a space"] = new(c => Policy(c)["Scopes"] = new JsonArray("read", "orders write"), "Gateway:Policies:p:Scopes:1", "[\"orders\", \"write\"]"),
        ["role with a tab in a nested group"] = new(c => Policy(c)["AnyOf"] = new JsonArray(new JsonObject { ["Roles"] = new JsonArray("admin\tsupport") }), "Gateway:Policies:p:AnyOf:0:Roles:0", "contains whitespace"),

        // A bare number is a number of days.
        ["key refresh interval 3600"] = new(c => Issuer(c)["KeyRefreshInterval"] = "3600", "Gateway:Issuers:main:KeyRefreshInterval", "3600 days"),
        ["clock skew 30"] = new(c => Issuer(c)["ClockSkew"] = "30", "Gateway:Issuers:main:ClockSkew", "bare number", OnlyError: false),
        ["fetch timeout -5"] = new(c => Issuer(c)["FetchTimeout"] = "-5", "Gateway:Issuers:main:FetchTimeout", "bare number", OnlyError: false),
        ["max token lifetime 3600"] = new(c => Issuer(c)["MaxTokenLifetime"] = "3600", "Gateway:Issuers:main:MaxTokenLifetime", "hh:mm:ss"),
        ["key cache max staleness 7"] = new(c => Gw(c)["KeyCache"] = new JsonObject { ["MaxStaleness"] = "7" }, "Gateway:KeyCache:MaxStaleness", "7 days"),
        ["token cache lifetime 1"] = new(c => Gw(c)["TokenCache"] = new JsonObject { ["MaxEntryLifetime"] = "1" }, "Gateway:TokenCache:MaxEntryLifetime", "1 days"),
        ["keep-alive timeout 120"] = new(c => Gw(c)["Limits"] = new JsonObject { ["KeepAliveTimeout"] = "120" }, "Gateway:Limits:KeepAliveTimeout", "bare number"),
        ["drain timeout 30"] = new(c => Gw(c)["Management"] = new JsonObject { ["DrainTimeout"] = "30" }, "Gateway:Management:DrainTimeout", "bare number", OnlyError: false),
        ["redis operation timeout 1"] = new(c => Gw(c)["Redis"] = new JsonObject { ["OperationTimeout"] = "1" }, "Gateway:Redis:OperationTimeout", "bare number", OnlyError: false),
        ["cluster activity timeout 100"] = new(c => Cluster(c)["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "100" }, "ReverseProxy:Clusters:backend:HttpRequest:ActivityTimeout", "100 days"),
        ["cluster health check interval 10"] = new(c => Cluster(c)["HealthCheck"] = new JsonObject { ["Active"] = new JsonObject { ["Enabled"] = true, ["Interval"] = "10" } }, "ReverseProxy:Clusters:backend:HealthCheck:Active:Interval", "bare number", OnlyError: false),

        // Log levels: the logging library throws on these when the first logger is created.
        ["log level misspelt"] = new(c => c["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Informaton" } }, "Logging:LogLevel:Default", "'Informaton' is not a log level"),
        ["provider log level unknown"] = new(c => c["Logging"] = new JsonObject { ["Console"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Yarp"] = "Verbose" } } }, "Logging:Console:LogLevel:Yarp", "'Verbose' is not a log level"),
        ["log level as a number"] = new(c => c["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "2" } }, "Logging:LogLevel:Default", "not a log level"),

        // Listen addresses and certificates: Kestrel refuses these only when it starts listening.
        ["Urls with an unknown scheme"] = new(c => c["Urls"] = "htp://127.0.0.1:8080", "Urls", "not an http:// or https:// address"),
        ["Urls second address bad"] = new(c => c["Urls"] = "http://127.0.0.1:8080;ftp://127.0.0.1:21", "Urls", "'ftp://127.0.0.1:21'"),
        ["Urls with a port that is not a number"] = new(c => c["Urls"] = "http://127.0.0.1:http", "Urls", "would listen on every interface"),
        ["Urls with a host name"] = new(c => c["Urls"] = "http://gateway.internal:8080", "Urls", "would listen on every interface"),
        ["management URL with a host name"] = new(c => Gw(c)["Management"] = new JsonObject { ["Url"] = "http://gateway-mgmt:9090" }, "Gateway:Management:Url", "would listen on every interface"),
        ["Urls with a port out of range"] = new(c => c["Urls"] = "http://127.0.0.1:99999", "Urls", "'http://127.0.0.1:99999'"),
        ["Urls HTTPS without a certificate"] = new(c => c["Urls"] = "https://0.0.0.0:8443", "Urls", "no certificate is configured"),
        ["Urls HTTPS without a certificate in Staging"] = new(c => c["Urls"] = "https://0.0.0.0:8443", "Urls", "no certificate is configured", Environment: "Staging"),
        ["HTTP_PORTS not a number"] = new(c => c["HTTP_PORTS"] = "8080;80a", "HTTP_PORTS", "'80a' is not a port number"),
        ["endpoint without Url"] = new(c => Endpoint(c, "Http", new JsonObject { ["Protocols"] = "Http1" }), "Kestrel:Endpoints:Http:Url", "required"),
        ["endpoint with an unknown scheme"] = new(c => Endpoint(c, "Http", new JsonObject { ["Url"] = "tcp://0.0.0.0:8080" }), "Kestrel:Endpoints:Http:Url", "not an http:// or https:// address"),
        ["endpoint protocols unknown"] = new(c => Endpoint(c, "Http", new JsonObject { ["Url"] = "http://0.0.0.0:8080", ["Protocols"] = "Http4" }), "Kestrel:Endpoints:Http:Protocols", "'Http4' is not one of"),
        ["endpoint defaults protocols unknown"] = new(c => c["Kestrel"] = new JsonObject { ["EndpointDefaults"] = new JsonObject { ["Protocols"] = "Http9" } }, "Kestrel:EndpointDefaults:Protocols", "'Http9' is not one of"),
        ["endpoint TLS version unknown"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["SslProtocols"] = new JsonArray("Tls14"), ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Certificate, ["KeyPath"] = Pem.Value.Key } }), "Kestrel:Endpoints:Https:SslProtocols:0", "'Tls14'"),
        ["HTTPS endpoint without a certificate"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443" }), "Kestrel:Endpoints:Https:Certificate", "needs a certificate"),
        ["HTTPS endpoint certificate missing"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = "/nonexistent/tls.crt", ["KeyPath"] = "/nonexistent/tls.key" } }), "Kestrel:Endpoints:Https:Certificate:Path", "does not exist"),
        ["HTTPS endpoint key missing"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Certificate, ["KeyPath"] = Pem.Value.Key + ".missing" } }), "Kestrel:Endpoints:Https:Certificate:KeyPath", "does not exist"),
        ["HTTPS endpoint certificate without its key"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Certificate } }), "Kestrel:Endpoints:Https:Certificate:Path", "cannot be loaded"),
        ["HTTPS endpoint key is not the certificate's"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Key, ["KeyPath"] = Pem.Value.Key } }), "Kestrel:Endpoints:Https:Certificate:Path", "cannot be loaded"),
        ["HTTPS endpoint PKCS#12 with a wrong password"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Pfx, ["Password"] = "not-" + PfxPassword } }), "Kestrel:Endpoints:Https:Certificate:Path", "cannot be loaded (PKCS#12)"),
        ["default certificate without Path or Subject"] = new(c => c["Kestrel"] = new JsonObject { ["Certificates"] = new JsonObject { ["Default"] = new JsonObject { ["Password"] = "x-1f3a" } } }, "Kestrel:Certificates:Default:Path", "required"),

        // Placeholder secrets outside Development.
        ["Redis password CHANGE_ME"] = new(c => Redis(c, "r1.example.com:6380,ssl=true,password=CHANGE_ME"), "Gateway:Redis:Configuration", "the password is a placeholder"),
        ["Redis password changeme"] = new(c => Redis(c, "r1.example.com:6380,password=changeme"), "Gateway:Redis:Configuration", "placeholder"),
        ["Redis password in angle brackets"] = new(c => Redis(c, "r1.example.com:6380,password=<redis-password>"), "Gateway:Redis:Configuration", "placeholder"),
        ["Redis password ..."] = new(c => Redis(c, "r1.example.com:6380,password=..."), "Gateway:Redis:Configuration", "placeholder"),
        ["Redis password placeholder in Staging"] = new(c => Redis(c, "r1.example.com:6380,password=CHANGE_ME"), "Gateway:Redis:Configuration", "placeholder", Environment: "Staging"),
        ["integrity key CHANGE_ME"] = new(c => Redis(c, "r1.example.com:6380", "CHANGE_ME-set-Gateway__Redis__IntegrityKey-from-a-secret"), "Gateway:Redis:IntegrityKey", "Gateway__Redis__IntegrityKey"),
        ["integrity key REPLACE"] = new(c => Redis(c, "r1.example.com:6380", "REPLACE_WITH_32_RANDOM_CHARACTERS_FROM_A_SECRET"), "Gateway:Redis:IntegrityKey", "placeholder"),
        ["integrity key TODO"] = new(c => Redis(c, "r1.example.com:6380", "TODO: generate with openssl rand -hex 32"), "Gateway:Redis:IntegrityKey", "placeholder"),
        ["OTLP header placeholder"] = new(c => c["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=eu1,authorization=Bearer <collector-token>", "OTEL_EXPORTER_OTLP_HEADERS", "placeholder"),
        ["certificate password placeholder"] = new(c => Endpoint(c, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = "/nonexistent/tls.pfx", ["Password"] = "<pfx-password>" } }), "Kestrel:Endpoints:Https:Certificate:Password", "placeholder", OnlyError: false),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReportsError_AtItsExactPath(string name)
    {
        var @case = Cases[name];
        var config = ConfigValidationTests.Valid();
        @case.Change(config);

        var errors = await ConfigValidationTests.ValidateAsync(config, @case.Environment);

        var all = string.Join("\n", errors);
        var error = errors.FirstOrDefault(e => e.Path == @case.Path && e.Message.Contains(@case.Message, StringComparison.Ordinal));
        Assert.True(error is not null, $"expected {@case.Path}: ...{@case.Message}..., got:\n{all}");
        if (@case.OnlyError)
        {
            Assert.True(errors.Count == 1, $"expected only '{error}', got:\n{all}");
        }
    }

    public static TheoryData<string, string> ValidVariants() => new()
    {
        { "durations as hh:mm:ss and d.hh:mm:ss", "Production" },
        { "scopes and roles with punctuation", "Production" },
        { "every log level, any case", "Production" },
        { "several listen addresses with wildcards", "Production" },
        { "HTTPS endpoint with a PEM certificate and key", "Production" },
        { "HTTPS Urls with a default certificate", "Production" },
        { "HTTPS endpoint with a PKCS#12 file and its password", "Production" },
        { "HTTPS Urls in Development (the development certificate)", "Development" },
        { "placeholder secrets in Development", "Development" },
        { "random secrets that contain placeholder letters", "Production" },
    };

    [Theory]
    [MemberData(nameof(ValidVariants))]
    public async Task Accepts_ValidVariant(string name, string environment)
    {
        var config = ConfigValidationTests.Valid();
        switch (name)
        {
            case "durations as hh:mm:ss and d.hh:mm:ss":
                Issuer(config)["KeyRefreshInterval"] = "1.00:00:00";
                Issuer(config)["ClockSkew"] = "00:00:30";
                Cluster(config)["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "00:01:40" };
                break;
            case "scopes and roles with punctuation":
                Policy(config)["Scopes"] = new JsonArray("orders:read", "https://api.example.com/orders.write");
                Policy(config)["Roles"] = new JsonArray("org.admin", "team-lead");
                break;
            case "every log level, any case":
                config["Logging"] = new JsonObject
                {
                    ["LogLevel"] = new JsonObject { ["Default"] = "information", ["Yarp"] = "WARNING", ["Microsoft"] = "None", ["A"] = "Trace", ["B"] = "Debug", ["C"] = "Error", ["D"] = "Critical" },
                    ["Console"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" }, ["FormatterName"] = "simple" },
                };
                break;
            case "several listen addresses with wildcards":
                config["Urls"] = "http://*:8080;http://+:8081;http://[::1]:8082;http://localhost:8083;http://0.0.0.0:8084/";
                config["HTTP_PORTS"] = "8085;8086";
                Gw(config)["Management"] = new JsonObject { ["Url"] = "http://*:9090" };
                break;
            case "HTTPS endpoint with a PEM certificate and key":
                Endpoint(config, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Protocols"] = "Http1AndHttp2", ["SslProtocols"] = new JsonArray("Tls12", "Tls13"), ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Certificate, ["KeyPath"] = Pem.Value.Key } });
                config["Kestrel"]!["Endpoints"]!["Http"] = new JsonObject { ["Url"] = "http://0.0.0.0:8080" };
                break;
            case "HTTPS Urls with a default certificate":
                config["Urls"] = "https://0.0.0.0:8443";
                config["Kestrel"] = new JsonObject { ["Certificates"] = new JsonObject { ["Default"] = new JsonObject { ["Path"] = Pem.Value.Certificate, ["KeyPath"] = Pem.Value.Key } } };
                break;
            case "HTTPS endpoint with a PKCS#12 file and its password":
                Endpoint(config, "Https", new JsonObject { ["Url"] = "https://0.0.0.0:8443", ["Certificate"] = new JsonObject { ["Path"] = Pem.Value.Pfx, ["Password"] = PfxPassword } });
                break;
            case "HTTPS Urls in Development (the development certificate)":
                config["Urls"] = "https://localhost:8443";
                break;
            case "placeholder secrets in Development":
                Redis(config, "localhost:6379,password=CHANGE_ME", "CHANGE_ME-set-Gateway__Redis__IntegrityKey-from-a-secret");
                break;
            case "random secrets that contain placeholder letters":
                Redis(config, "r1.example.com:6380,password=xTodo9Rchangem3", "q7Rtodo2KfixmeZ8replaceXy3Lw0aB9cD4eF1g");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }

        var errors = await ConfigValidationTests.ValidateAsync(config, environment);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("CHANGE_ME", true)]
    [InlineData("change-me", true)]
    [InlineData("ChangeMe123", true)]
    [InlineData("CHANGE_ME-set-Gateway__Redis__IntegrityKey-from-a-secret", true)]
    [InlineData("REPLACE_ME", true)]
    [InlineData("replace-with-a-32-character-secret", true)]
    [InlineData("TODO", true)]
    [InlineData("todo: set me", true)]
    [InlineData("secret-FIXME", true)]
    [InlineData("<redis-password>", true)]
    [InlineData("...", true)]
    [InlineData("xxxxxxxx", true)]
    [InlineData("********", true)]
    [InlineData(" CHANGE_ME ", true)]
    [InlineData("9c1d0e7f4a8b2c6d3e5f7a9b1c3d5e7f", false)]
    [InlineData("q7Rtodo2Kfixme8", false)]
    [InlineData("xReplace", false)]
    [InlineData("pass<word>1", false)]
    [InlineData("s3cr3t-from-the-vault", false)]
    public void Placeholder_List(string value, bool placeholder)
    {
        Assert.Equal(placeholder, PlaceholderSecretRule.IsPlaceholder(value));
    }

    [Fact]
    public async Task ASecretFromALaterLayer_ReplacesThePlaceholder()
    {
        // The file keeps the example's placeholders; the environment (here a later in-memory layer) supplies the secrets.
        var config = ConfigValidationTests.Valid();
        Redis(config, "r1.example.com:6380,password=CHANGE_ME", "CHANGE_ME-set-Gateway__Redis__IntegrityKey-from-a-secret");
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(config.ToJsonString())))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:Redis:Configuration"] = "r1.example.com:6380,password=9c1d0e7f4a8b",
                ["Gateway:Redis:IntegrityKey"] = GoodIntegrityKey,
            })
            .Build();

        var errors = await new GatewayConfigLoader(null, "Production").ValidateAsync(configuration);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    // A self-signed certificate and its key as PEM files (Certificate:Path/KeyPath), and as a PKCS#12 file (Path/Password).
    private static (string Certificate, string Key, string Pfx) WriteCertificateFiles()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-rules-pem-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(directory, "tls.crt");
        var keyPath = Path.Combine(directory, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        var pfxPath = Path.Combine(directory, "tls.pfx");
        File.WriteAllBytes(pfxPath, certificate.Export(X509ContentType.Pfx, PfxPassword));
        return (certificatePath, keyPath, pfxPath);
    }
}
