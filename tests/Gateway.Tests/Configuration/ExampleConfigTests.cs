using Gateway.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

/// <summary>The configurations shipped in the repository pass <c>check-config</c>: each example in Production, the quickstart in Development only.</summary>
public sealed class ExampleConfigTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in FileNames())
        {
            data.Add(file);
        }

        return data;
    }

    private static IEnumerable<string> FileNames() =>
        Directory.GetFiles(RepositoryRoot.Combine("config", "examples"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal);

    [Fact]
    public void Examples_CoverEveryDocumentedScenario()
    {
        var files = FileNames().ToHashSet();
        Assert.Superset(new HashSet<string> { "oidc-authority.json", "jwks-uri.json", "policies.json", "redis-fleet.json", "token-sources.json", "grpc.json", "sender-constrained.json" }, files);
        var readme = File.ReadAllText(RepositoryRoot.Combine("config", "examples", "README.md"));
        Assert.All(files, file => Assert.Contains(file, readme));
    }

    // What a deployment supplies from its secret store (here as command-line overrides; usually environment variables).
    private static readonly string[] DeploymentSecrets =
    [
        "--Gateway:Redis:Configuration=redis-0.cache.internal.example.com:6380,ssl=true,password=from-the-secret-store-4f1c,abortConnect=false",
        "--Gateway:Redis:IntegrityKey=9c1d0e7f4a8b2c6d3e5f7a9b1c3d5e7f",
    ];

    // Files a deployment mounts, per example: local-jwks.json reads its JWKS from the Secret the k8s component mounts.
    // introspection.json takes its client secret from the environment.
    private static string[] DeploymentFiles(string fileName) => fileName switch
    {
        "local-jwks.json" => [$"--Gateway:Issuers:cluster:JwksFile={RepositoryRoot.Combine("deploy", "k8s", "components", "local-jwks", "jwks.json")}"],
        "introspection.json" => ["--Gateway:Issuers:auth:Introspection:ClientSecret=from-the-secret-store-91b2"],
        _ => [],
    };

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public async Task Example_PassesCheckConfig_InProduction(string fileName)
    {
        var (exit, stdout, stderr) = await CheckConfigAsync([RepositoryRoot.Combine("config", "examples", fileName), "Production", .. DeploymentSecrets, .. DeploymentFiles(fileName)]);

        Assert.True(exit == 0, $"check-config {fileName} exited {exit}:\n{stderr}");
        Assert.Contains("valid (environment: Production; files: ", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task RedisExample_WithItsPlaceholderSecrets_FailsCheckConfig_InProduction()
    {
        var (exit, _, stderr) = await CheckConfigAsync(RepositoryRoot.Combine("config", "examples", "redis-fleet.json"), "Production");

        Assert.Equal(1, exit);
        Assert.Contains("  Gateway:Redis:Configuration: the password is a placeholder", stderr);
        Assert.Contains("  Gateway:Redis:IntegrityKey: is a placeholder", stderr);
    }

    [Fact]
    public async Task LocalJwksExample_WithoutItsMountedFile_FailsCheckConfig_NamingThePath()
    {
        var (exit, _, stderr) = await CheckConfigAsync([RepositoryRoot.Combine("config", "examples", "local-jwks.json"), "Production", .. DeploymentSecrets]);

        Assert.Equal(1, exit);
        Assert.Contains("  Gateway:Issuers:cluster:JwksFile: '/etc/gateway/jwks/jwks.json' could not be read: no such file", stderr);
    }

    [Fact]
    public async Task IntrospectionExample_WithoutItsClientSecret_FailsCheckConfig_NamingThePath()
    {
        var (exit, _, stderr) = await CheckConfigAsync([RepositoryRoot.Combine("config", "examples", "introspection.json"), "Production"]);

        Assert.Equal(1, exit);
        Assert.Contains("  Gateway:Issuers:auth:Introspection: no client secret: set ClientSecret", stderr);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_HoldsNoSecretAndOnlyHttpsUrls(string fileName)
    {
        var text = File.ReadAllText(RepositoryRoot.Combine("config", "examples", fileName));

        Assert.DoesNotContain("http://", text);
        Assert.DoesNotContain("RequireHttpsMetadata", text);
        foreach (var match in System.Text.RegularExpressions.Regex.Matches(text, "password=([^,\"]*)").Cast<System.Text.RegularExpressions.Match>())
        {
            Assert.Equal("CHANGE_ME", match.Groups[1].Value);
        }
    }

    [Fact]
    public async Task QuickstartConfigDirectory_PassesCheckConfig_InDevelopment()
    {
        var (exit, stdout, stderr) = await CheckConfigAsync(RepositoryRoot.Combine("config"), "Development");

        Assert.True(exit == 0, $"check-config config/ exited {exit}:\n{stderr}");
        Assert.Contains("valid (environment: Development; files: ", stdout);
    }

    [Fact]
    public async Task QuickstartConfigDirectory_FailsCheckConfig_InProduction()
    {
        // Production reads gateway.json (and gateway.Production.json, absent): the development issuer,
        // its routes and the demo downstream live in gateway.Development.json only.
        var (exit, stdout, stderr) = await CheckConfigAsync(RepositoryRoot.Combine("config"), "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("(environment: Production; files: ", stderr);
        Assert.Contains("  Gateway:Issuers: at least one issuer is required", stderr);
    }

    [Fact]
    public async Task QuickstartDevelopmentFile_FailsCheckConfig_InProduction_DevelopmentIssuerRefused()
    {
        // The Development file on its own, checked as if it were deployed to Production.
        var (exit, _, stderr) = await CheckConfigAsync(RepositoryRoot.Combine("config", "gateway.Development.json"), "Production");

        Assert.Equal(1, exit);
        Assert.Contains("  Gateway:Issuers:dev:Development: the development issuer is refused outside the Development environment", stderr);
        Assert.Contains("  Gateway:Development:DemoDownstreamUrl: the demo downstream is refused outside the Development environment", stderr);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> CheckConfigAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CheckConfigCommand.RunAsync([args[0], "--environment", args[1], .. args[2..]], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
