using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Development;

/// <summary>
/// The README quickstart, in process: the gateway on the repository's own <c>config/</c> in Development
/// (development issuer, demo echo downstream), tokens from the <c>token</c> command.
/// </summary>
[Collection(QuickstartCollection.Name)]
public sealed class QuickstartTests : IClassFixture<QuickstartTests.QuickstartGateway>
{
    private readonly QuickstartGateway _gateway;

    public QuickstartTests(QuickstartGateway gateway)
    {
        _gateway = gateway;
    }

    private HttpClient Client => _gateway.Client;

    [Fact]
    public async Task DemoRoute_WithToken_ReachesEcho_WithClaimHeaders()
    {
        var token = await _gateway.MintAsync("--sub", "alice", "--scope", "orders:read", "--role", "admin");

        var response = await Client.GetWithTokenAsync("/demo/hello?x=1", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("demo", echo.RootElement.GetProperty("downstream").GetString());
        Assert.Equal("/demo/hello", echo.RootElement.GetProperty("path").GetString());
        var headers = echo.RootElement.GetProperty("headers");
        Assert.Equal("alice", headers.GetProperty("X-User-Id").GetString());
        Assert.Equal("orders:read", headers.GetProperty("X-User-Scopes").GetString());
        Assert.Equal("admin", headers.GetProperty("X-User-Roles").GetString());
        Assert.Equal("dev", headers.GetProperty("X-Auth-Issuer").GetString());
        Assert.Equal("(redacted)", headers.GetProperty("Authorization").GetString());
    }

    [Fact]
    public async Task DemoRoute_SeveralScopesAndRoles_AreForwardedAsLists()
    {
        var token = await _gateway.MintAsync("--sub", "bob", "--scope", "orders:read orders:write", "--role", "admin", "--role", "support");

        var response = await Client.GetWithTokenAsync("/demo/hello", token);

        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var headers = echo.RootElement.GetProperty("headers");
        Assert.Equal("bob", headers.GetProperty("X-User-Id").GetString());
        Assert.Equal("orders:read orders:write", headers.GetProperty("X-User-Scopes").GetString());
        Assert.Equal("admin,support", headers.GetProperty("X-User-Roles").GetString());
    }

    [Fact]
    public async Task DemoRoute_WithoutToken_Is401()
    {
        var response = await Client.GetWithTokenAsync("/demo/hello", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Challenge());
    }

    [Fact]
    public async Task AdminRoute_WithoutAdminRole_Is403_WithAdminRole_Is200()
    {
        var user = await _gateway.MintAsync("--sub", "carol", "--scope", "orders:read");
        var admin = await _gateway.MintAsync("--sub", "dave", "--role", "admin");

        Assert.Equal(HttpStatusCode.Forbidden, (await Client.GetWithTokenAsync("/admin/x", user)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetWithTokenAsync("/admin/x", admin)).StatusCode);
    }

    [Fact]
    public async Task PublicRoute_WithoutToken_Is200_AndGetsNoClaimHeaders()
    {
        var response = await Client.GetWithTokenAsync("/public/x", null, r => r.Headers.TryAddWithoutValidation("X-User-Id", "forged"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(echo.RootElement.GetProperty("headers").TryGetProperty("X-User-Id", out _));
    }

    [Fact]
    public async Task DevelopmentJwks_ServesThePublicKeyOnly()
    {
        var response = await Client.GetAsync(new Uri("/dev-issuer/jwks.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("n").GetString()));
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" })
        {
            Assert.False(key.TryGetProperty(secret, out _), $"the JWKS publishes private member '{secret}'");
        }
    }

    [Fact]
    public async Task TokenCommand_PrintsExactlyOneLine_TheToken()
    {
        using (EnvironmentOverride.Set("ASPNETCORE_ENVIRONMENT", "Development"))
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var exit = await TokenCommand.RunAsync(["--config", _gateway.ConfigDirectory, "--sub", "alice", "--scope", "orders:read", "--role", "admin"], stdout, stderr);

            Assert.Equal(0, exit);
            Assert.Equal("", stderr.ToString());
            var output = stdout.ToString();
            Assert.EndsWith(Environment.NewLine, output);
            var lines = output.Split(Environment.NewLine, StringSplitOptions.None);
            Assert.Equal(2, lines.Length); // the token, then the empty remainder after its newline
            Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", lines[0]);
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task TokenCommand_OutsideDevelopment_Refuses(string environment)
    {
        using (EnvironmentOverride.Set("ASPNETCORE_ENVIRONMENT", environment))
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var exit = await TokenCommand.RunAsync(["--config", _gateway.ConfigDirectory, "--sub", "alice"], stdout, stderr);

            Assert.Equal(1, exit);
            Assert.Equal("", stdout.ToString());
            Assert.Contains($"only exists in the Development environment (current: {environment})", stderr.ToString());
        }
    }

    /// <summary>
    /// A copy of the repository's <c>config/</c> (unchanged but for a temporary key directory, which the
    /// token command reads from the files) and the gateway started on it, ports overridden on the command line.
    /// </summary>
    public sealed class QuickstartGateway : IAsyncLifetime
    {
        private WebApplication _app = null!;

        public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("gateway-quickstart-").FullName;

        public HttpClient Client { get; private set; } = null!;

        public CapturingLoggerProvider Logs { get; } = new();

        public async Task InitializeAsync()
        {
            foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("config"), "gateway*.json"))
            {
                File.Copy(file, Path.Combine(ConfigDirectory, Path.GetFileName(file)));
            }

            var developmentFile = Path.Combine(ConfigDirectory, "gateway.Development.json");
            var development = JsonNode.Parse(await File.ReadAllTextAsync(developmentFile))!.AsObject();
            development["Gateway"]!["Development"]!["KeyDirectory"] = Path.Combine(ConfigDirectory, "keys");
            await File.WriteAllTextAsync(developmentFile, development.ToJsonString());

            var demoPort = FreePort.Next();
            _app = GatewayApplication.Build(
                [
                    "--config", ConfigDirectory,
                    "--environment", "Development",
                    "--urls", "http://127.0.0.1:0",
                    $"--Gateway:Development:DemoDownstreamUrl=http://127.0.0.1:{demoPort}",
                    $"--ReverseProxy:Clusters:demo:Destinations:echo:Address=http://127.0.0.1:{demoPort}/",
                ],
                builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Logging.AddProvider(Logs);
                });
            await _app.StartAsync();
            Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(_app.Urls.First()) };

            // The gateway creates the development key on first use; the token command then reads the same file.
            using var jwks = await Client.GetAsync(new Uri("/dev-issuer/jwks.json", UriKind.Relative));
            jwks.EnsureSuccessStatusCode();
        }

        public async Task<string> MintAsync(params string[] args)
        {
            using (EnvironmentOverride.Set("ASPNETCORE_ENVIRONMENT", "Development"))
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = await TokenCommand.RunAsync(["--config", ConfigDirectory, .. args], stdout, stderr);
                Assert.True(exit == 0, stderr.ToString());
                return stdout.ToString().Trim();
            }
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            Directory.Delete(ConfigDirectory, recursive: true);
        }
    }
}

/// <summary>Tests that set process environment variables: run alone, never beside another test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuickstartCollection
{
    public const string Name = "quickstart (process environment)";
}

/// <summary>Sets an environment variable and restores its previous value on dispose.</summary>
internal sealed class EnvironmentOverride : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    private EnvironmentOverride(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public static EnvironmentOverride Set(string name, string? value) => new(name, value);

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
