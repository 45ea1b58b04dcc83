using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Observability;
using Gateway.Tests.Configuration;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.Keys;

/// <summary>
/// Signing keys from a JWKS file (<c>JwksFile</c>) and inline (<c>Jwks</c>), through the real gateway: the file's
/// keys verify tokens; a replaced file (a plain write, or kubelet's atomic symbolic-link swap of a Secret volume)
/// rotates them; an invalid, private or missing replacement keeps the last good keys and is reported in the log,
/// the metrics and readiness.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class LocalKeySourceTests
{
    // The key refresh tick compares the file every second; generous for a loaded CI machine.
    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(15);

    // Made once for the class: an RSA key takes a while on a busy machine, and xunit builds the class anew for every test.
    private static readonly SigningKey KeyA = TestIdentityProvider.CreateUnpublishedRsaKey("file-a");
    private static readonly SigningKey KeyB = TestIdentityProvider.CreateUnpublishedRsaKey("file-b");
    private readonly IntegrationFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly SigningKey _keyA = KeyA;
    private readonly SigningKey _keyB = KeyB;

    public LocalKeySourceTests(IntegrationFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    private static string Jwks(params SigningKey[] keys) => TestIdentityProvider.JwksJson(keys);

    /// <summary>The standard configuration with its one issuer replaced by <paramref name="source"/> (a key source plus the IdP's issuer string).</summary>
    private TestConfig WithLocalIssuer(string name, JsonObject source)
    {
        var config = _fixture.Config();
        source["Issuer"] = _fixture.Idp.Issuer;
        source["Audiences"] = new JsonArray("api");
        config.Gateway["Issuers"] = new JsonObject { [name] = source };
        return config;
    }

    /// <summary>A token signed with <paramref name="key"/>, unique (its own <c>jti</c>), so it never hits the validated-token cache.</summary>
    private string Token(SigningKey key) => _fixture.Idp.Mint(new Dictionary<string, object?> { ["jti"] = Guid.NewGuid().ToString("N") }, key: key);

    private static async Task<HttpStatusCode> StatusAsync(GatewayInstance gateway, string token) =>
        (await gateway.Client.GetWithTokenAsync("/api/x", token)).StatusCode;

    private static async Task<JsonElement> ReadinessOfAsync(GatewayInstance gateway, string issuer)
    {
        using var response = await gateway.Client.GetAsync("/healthz/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.RootElement.GetProperty("issuers").GetProperty(issuer).Clone();
    }

    /// <summary>Waits until <paramref name="key"/> verifies and <paramref name="retired"/> no longer does; returns how long that took.</summary>
    private async Task<TimeSpan> WaitForRotationAsync(GatewayInstance gateway, SigningKey key, SigningKey retired)
    {
        var clock = Stopwatch.StartNew();
        await Eventually.HoldsAsync(
            async () => await StatusAsync(gateway, Token(key)) == HttpStatusCode.OK && await StatusAsync(gateway, Token(retired)) == HttpStatusCode.Unauthorized,
            RotationTimeout,
            $"the rotated key file was not applied within {RotationTimeout.TotalSeconds} s:\n{gateway.Logs.AllText()}");
        return clock.Elapsed;
    }

    private static async Task WaitForFailedReadAsync(GatewayInstance gateway, int failuresBefore) =>
        await Eventually.HoldsAsync(() => gateway.Logs.Count(EventIds.KeyLoadFailed) > failuresBefore, RotationTimeout, "the replaced file was not read (no KeyLoadFailed event)");

    [Fact]
    public async Task FileKeys_VerifyTokens_AndReadinessNamesTheFile()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("jwks.json", Jwks(_keyA));
        await using var gateway = await WithLocalIssuer("file-start", new JsonObject { ["JwksFile"] = file }).StartAsync();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, Token(_keyB)));

        var readiness = await ReadinessOfAsync(gateway, "file-start");
        Assert.True(readiness.GetProperty("keysLoaded").GetBoolean());
        Assert.Equal("file", readiness.GetProperty("source").GetString());
        Assert.False(readiness.GetProperty("lastLoadFailed").GetBoolean());
        Assert.Contains(gateway.Logs.Lines, l => l.EventId == EventIds.KeysLoaded && l.Message.Contains("issuer file-start from file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlainWrite_OfARotatedKey_MakesTheNewKeyValid_AndTheOldOneInvalid()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("jwks.json", Jwks(_keyA));
        await using var gateway = await WithLocalIssuer("file-write", new JsonObject { ["JwksFile"] = file }).StartAsync();
        var tokenA = Token(_keyA);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, tokenA)); // now in the validated-token cache

        await File.WriteAllTextAsync(file, Jwks(_keyB));
        var elapsed = await WaitForRotationAsync(gateway, _keyB, _keyA);
        _output.WriteLine($"plain write applied after {elapsed.TotalSeconds:0.0} s");

        // The cached validation of the retired key's token went with its key set.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, tokenA));
    }

    [Fact]
    public async Task KubeletSecretSwap_OfARotatedKey_MakesTheNewKeyValid_AndTheOldOneInvalid()
    {
        // A Secret volume is updated exactly like a ConfigMap volume: ..data swapped to a new timestamped directory.
        using var volume = ConfigMapVolume.Create(new Dictionary<string, string> { ["jwks.json"] = Jwks(_keyA) });
        var file = Path.Combine(volume.Path, "jwks.json");
        Assert.NotNull(new FileInfo(file).LinkTarget); // jwks.json -> ..data/jwks.json
        await using var gateway = await WithLocalIssuer("file-swap", new JsonObject { ["JwksFile"] = file }).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));

        // Overlap first, as a rotation does: both keys valid; then the old key retired.
        volume.Update(new Dictionary<string, string> { ["jwks.json"] = Jwks(_keyA, _keyB) });
        await Eventually.HoldsAsync(async () => await StatusAsync(gateway, Token(_keyB)) == HttpStatusCode.OK, RotationTimeout, "the swapped Secret was not applied");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));

        volume.Update(new Dictionary<string, string> { ["jwks.json"] = Jwks(_keyB) });
        var elapsed = await WaitForRotationAsync(gateway, _keyB, _keyA);
        _output.WriteLine($"kubelet swap applied after {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task InvalidReplacements_KeepTheLastGoodKeys_AndAreReported_InLogMetricAndReadiness()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("jwks.json", Jwks(_keyA));
        var telemetry = new TelemetryCapture();
        await using var gateway = await GatewayInstance.StartAsync(WithLocalIssuer("file-invalid", new JsonObject { ["JwksFile"] = file }).Build(), telemetry.Configure);
        var tokenA = Token(_keyA);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, tokenA));

        var privateJwk = _keyB.PublicJwk();
        privateJwk["d"] = Base64UrlEncoder.Encode(((RsaSecurityKey)_keyB.SecurityKey).Rsa.ExportParameters(true).D);
        var encryptionOnly = (_keyB with { Use = "enc" }).PublicJwk();
        var invalid = new (string Content, string Reported)[]
        {
            ("{ \"keys\": [ { \"kty\": ", "not JSON"),
            (JsonSerializer.Serialize(new { keys = new[] { privateJwk } }), "holds the private or symmetric key part 'd'"),
            (JsonSerializer.Serialize(new { keys = new[] { encryptionOnly } }), "no usable signing key"),
            (JsonSerializer.Serialize(new { keys = new[] { (_keyB with { Alg = "ES256" }).PublicJwk() } }), "'alg' ES256 does not fit the key"),
        };
        foreach (var (content, reported) in invalid)
        {
            var failures = gateway.Logs.Count(EventIds.KeyLoadFailed);
            await File.WriteAllTextAsync(file, content);
            await WaitForFailedReadAsync(gateway, failures);

            var logged = gateway.Logs.Lines.Last(l => l.EventId == EventIds.KeyLoadFailed);
            Assert.Contains(reported, logged.Message);
            Assert.Contains("Serving previous keys: True", logged.Message);
            Assert.DoesNotContain(privateJwk["d"], gateway.Logs.AllText()); // never the key material

            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, tokenA));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA))); // a new token: the keys serve, not only the cache
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, Token(_keyB)));

            var readiness = await ReadinessOfAsync(gateway, "file-invalid"); // still ready: the last good keys serve
            Assert.True(readiness.GetProperty("keysLoaded").GetBoolean());
            Assert.True(readiness.GetProperty("lastLoadFailed").GetBoolean());
            Assert.Contains(reported, readiness.GetProperty("lastError").GetString());
        }

        var metrics = telemetry.CollectMetrics(gateway.Services);
        var reads = Assert.Single(TelemetryCapture.Points(metrics, Metrics.LocalKeyReads, (Tags.Issuer, "file-invalid"), (Tags.Outcome, "invalid")));
        Assert.Equal(invalid.Length, reads.GetSumLong());
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.KeysLoaded, (Tags.Issuer, "file-invalid"))).GetGaugeLastValueLong());

        // A valid file again: applied, and the failure is over.
        await File.WriteAllTextAsync(file, Jwks(_keyB));
        await WaitForRotationAsync(gateway, _keyB, _keyA);
        Assert.False((await ReadinessOfAsync(gateway, "file-invalid")).GetProperty("lastLoadFailed").GetBoolean());
    }

    [Fact]
    public async Task RemovedFile_KeepsTheLastGoodKeys_ThenItsReturnIsApplied()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("jwks.json", Jwks(_keyA));
        await using var gateway = await WithLocalIssuer("file-removed", new JsonObject { ["JwksFile"] = file }).StartAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));

        File.Delete(file);
        await WaitForFailedReadAsync(gateway, 0);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));
        Assert.Contains("could not be read: no such file", (await ReadinessOfAsync(gateway, "file-removed")).GetProperty("lastError").GetString());

        await File.WriteAllTextAsync(file, Jwks(_keyB));
        await WaitForRotationAsync(gateway, _keyB, _keyA);
    }

    [Fact]
    public async Task ConfigurationReload_KeepsTheFilesKeys_AndIsRefused_WhileTheFileIsMissing()
    {
        using var directory = new TempDirectory();
        var file = directory.Write("jwks.json", Jwks(_keyA));
        var config = WithLocalIssuer("file-reload", new JsonObject { ["JwksFile"] = file });
        await using var gateway = await config.StartAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));
        var manager = gateway.Snapshots.Current.Issuers.ByName["file-reload"].Keys;

        // An unrelated change: applied, and the issuer keeps its key manager (its source did not change).
        Assert.True(await gateway.RewriteConfigAsync(config.Route("reports", null).Build()));
        Assert.Same(manager, gateway.Snapshots.Current.Issuers.ByName["file-reload"].Keys);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/reports/q1", Token(_keyA))).StatusCode);

        // The file gone: the running keys stay, but a configuration naming a missing file is refused, with its path.
        File.Delete(file);
        await WaitForFailedReadAsync(gateway, 0);
        Assert.False(await gateway.RewriteConfigAsync(config.Route("more", null).Build()));
        var rejected = Assert.Single(gateway.Logs.Lines, l => l.EventId == EventIds.ConfigurationReloadFailed);
        Assert.Contains($"Gateway:Issuers:file-reload:JwksFile: '{file}' could not be read: no such file", rejected.Message);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetWithTokenAsync("/reports/q1", Token(_keyA))).StatusCode);
    }

    [Fact]
    public async Task InlineJwks_WithRsaAndEd25519Keys_VerifyTokens()
    {
        var ed25519 = Ed25519TestKey.Create("inline-ed");
        var jwks = JsonSerializer.Serialize(new { keys = new object[] { _keyA.PublicJwk(), ed25519.PublicJwk() } });
        var config = WithLocalIssuer("inline", new JsonObject { ["Jwks"] = jwks, ["Algorithms"] = new JsonArray("RS256", "EdDSA") });
        await using var gateway = await config.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, ed25519.Mint(_fixture.Idp)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, Token(_keyB)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, Ed25519TestKey.Create("inline-ed").Mint(_fixture.Idp))); // same kid, other key
        Assert.Equal("inline", (await ReadinessOfAsync(gateway, "inline")).GetProperty("source").GetString());
    }

    [Fact]
    public async Task InlineJwks_ThroughAnEnvironmentStyleOverride_RoundTripsExactly()
    {
        // The value a Kubernetes Secret would put in Gateway__Issuers__inline__Jwks: a command-line override here.
        var config = WithLocalIssuer("inline-env", new JsonObject { ["Jwks"] = Jwks(_keyB) });
        await using var gateway = await GatewayInstance.StartAsync(config.Build(), "Production", $"--Gateway:Issuers:inline-env:Jwks={Jwks(_keyA)}");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Token(_keyA)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, Token(_keyB)));
    }

    [Fact]
    public async Task Startup_WithAPrivateKeyOrAMissingFile_IsRefused_AtTheKeysPath()
    {
        using var directory = new TempDirectory();
        var privateJwk = _keyA.PublicJwk();
        privateJwk["d"] = Base64UrlEncoder.Encode(((RsaSecurityKey)_keyA.SecurityKey).Rsa.ExportParameters(true).D);
        var file = directory.Write("private.json", JsonSerializer.Serialize(new { keys = new[] { privateJwk } }));

        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => WithLocalIssuer("private", new JsonObject { ["JwksFile"] = file }).StartAsync());
        var error = Assert.Single(ex.Errors);
        Assert.Equal("Gateway:Issuers:private:JwksFile", error.Path);
        Assert.Contains("private or symmetric key part 'd'", error.Message);
        Assert.DoesNotContain(privateJwk["d"], ex.Message);

        ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => WithLocalIssuer("inline", new JsonObject { ["Jwks"] = JsonSerializer.Serialize(new { keys = new[] { privateJwk } }) }).StartAsync());
        Assert.Equal("Gateway:Issuers:inline:Jwks", Assert.Single(ex.Errors).Path);

        var missing = Path.Combine(directory.Path, "missing.json");
        ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => WithLocalIssuer("missing", new JsonObject { ["JwksFile"] = missing }).StartAsync());
        error = Assert.Single(ex.Errors);
        Assert.Equal("Gateway:Issuers:missing:JwksFile", error.Path);
        Assert.Contains($"'{missing}' could not be read: no such file", error.Message);
    }

    [Fact]
    public async Task WithRedis_EachReplicaReadsItsOwnFile_NothingIsShared()
    {
        using var directory = new TempDirectory();
        var fileA = directory.Write("a.json", Jwks(_keyA));
        var fileB = directory.Write("b.json", Jwks(_keyB));
        var prefix = $"jwtgw-local-{Guid.NewGuid():N}:";
        await using var replicaA = await WithLocalIssuer("fleet", new JsonObject { ["JwksFile"] = fileA }).WithRedis(_fixture.Redis, prefix).StartAsync();
        await using var replicaB = await WithLocalIssuer("fleet", new JsonObject { ["JwksFile"] = fileB }).WithRedis(_fixture.Redis, prefix).StartAsync();

        // Same issuer name and Redis prefix: were the keys shared, one replica would serve the other's key.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(replicaA, Token(_keyA)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(replicaB, Token(_keyB)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(replicaA, Token(_keyB)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(replicaB, Token(_keyA)));
        Assert.Equal("file", (await ReadinessOfAsync(replicaA, "fleet")).GetProperty("source").GetString());
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("gateway-jwks-").FullName;

        public string Write(string name, string content)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
