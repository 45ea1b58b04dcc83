using System.Text.Json.Nodes;
using Gateway.Hosting;
using Gateway.Tests.Configuration;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The command line: <c>--help</c> everywhere, exit 2 with the usage for anything it does not know (a misspelt
/// <c>--url</c> used to be ignored and the gateway bound its defaults), configuration overrides passed through,
/// and <c>check-config</c> finding and naming the configuration as the gateway does. The binary tests run the
/// built <c>Gateway.dll</c> as the README does.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Stdout, string Stderr, string[]? GatewayArgs)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        string[]? gatewayArgs = null;
        var exit = await GatewayCommandLine.RunAsync(args, stdout, stderr, a =>
        {
            gatewayArgs = a;
            return Task.FromResult(42);
        });
        return (exit, stdout.ToString(), stderr.ToString(), gatewayArgs);
    }

    [Theory]
    [InlineData(new[] { "--help" }, "--urls, --Urls <URLS>")]
    [InlineData(new[] { "-h" }, "--Section:Key=VALUE")]
    [InlineData(new[] { "check-config", "--help" }, "check-config [<PATH>] [options]")]
    [InlineData(new[] { "token", "--help" }, "--scope")]
    [InlineData(new[] { "token", "-h" }, "--environment <NAME>")]
    public async Task Help_ForTheGatewayAndEveryCommand_Exit0_OnStdout(string[] args, string expected)
    {
        var (exit, stdout, stderr, gatewayArgs) = await RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", stdout);
        Assert.Contains(expected, stdout);
        Assert.Equal("", stderr);
        Assert.Null(gatewayArgs);
    }

    [Theory]
    [InlineData(new[] { "--url", "http://127.0.0.1:9" }, "'--url'")]
    [InlineData(new[] { "--confg", "config" }, "'--confg'")]
    [InlineData(new[] { "--config" }, "--config")]
    [InlineData(new[] { "config" }, "'config'")]
    [InlineData(new[] { "--Gateway:Limits:MaxTokenLength" }, "--Gateway:Limits:MaxTokenLength needs a value")]
    [InlineData(new[] { "--Gateway:Limits:MaxTokenLength", "--urls", "http://127.0.0.1:0" }, "needs a value")]
    [InlineData(new[] { "check-config", "--env", "Production" }, "'--env'")]
    [InlineData(new[] { "check-config", "--env=Production" }, "'--env=Production'")]
    [InlineData(new[] { "check-config", "a.json", "b.json" }, "'b.json'")]
    [InlineData(new[] { "token", "--subject", "alice" }, "'--subject'")]
    [InlineData(new[] { "token", "--scope", "a", "b" }, "'b'")]
    public async Task UnknownOrIncompleteArguments_Exit2_WithUsageOnStderr_NothingStarts(string[] args, string expected)
    {
        var (exit, stdout, stderr, gatewayArgs) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr);
        Assert.Contains("Usage:", stderr);
        Assert.Equal("", stdout);
        Assert.Null(gatewayArgs);
    }

    [Fact]
    public async Task DocumentedSwitchesAndConfigurationOverrides_ReachTheGateway_Unchanged()
    {
        string[] args =
        [
            "--config", "config", "--environment", "Production", "--urls", "http://127.0.0.1:0",
            "--Gateway:Limits:MaxTokenLength=4096", "--Gateway:Limits:MaxRequestLineSize", "4096",
            "--OTEL_SERVICE_NAME=gateway-eu1", "--Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0",
        ];

        var (exit, stdout, stderr, gatewayArgs) = await RunAsync(args);

        Assert.Equal(42, exit);
        Assert.Equal(args, gatewayArgs);
        Assert.Equal("", stdout + stderr);
    }

    [Fact]
    public void ConfigurationOverrides_OnlyKeysWithAColonOrOpenTelemetry()
    {
        Assert.True(ConfigurationOverrides.IsConfigurationKey("Gateway:Limits:MaxTokenLength"));
        Assert.True(ConfigurationOverrides.IsConfigurationKey("Kestrel:Endpoints:Https:Url"));
        Assert.True(ConfigurationOverrides.IsConfigurationKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.False(ConfigurationOverrides.IsConfigurationKey("url"));
        Assert.False(ConfigurationOverrides.IsConfigurationKey("urls"));
        Assert.False(ConfigurationOverrides.IsConfigurationKey(":Gateway"));
        Assert.False(ConfigurationOverrides.IsConfigurationKey("Gateway:"));
    }

    [Fact]
    public async Task Binary_MisspeltUrl_Exit2_InsteadOfStartingOnTheDefaults()
    {
        // Before, the gateway ignored --url and kept running on its default address (the run timed out here).
        var file = WriteConfig(ConfigValidationTests.Valid());

        var (exit, stdout, stderr) = await GatewayBinary.RunAsync(["--config", file, "--url", $"http://127.0.0.1:{FreePort.Next()}"], timeout: TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains("'--url'", stderr);
        Assert.Contains("Usage:", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Binary_Help_Exit0()
    {
        var (exit, stdout, _) = await GatewayBinary.RunAsync(["check-config", "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains("Gateway check-config [<PATH>] [options]", stdout);
    }

    /// <summary>check-config said valid and the process then died at startup (exit 134, a stack trace): now both refuse it, naming the path.</summary>
    [Theory]
    [InlineData("Logging", "Logging:LogLevel:Default", "'Informaton' is not a log level")]
    [InlineData("Urls", "Urls", "'htp://127.0.0.1:8080' is not an http:// or https:// address")]
    [InlineData("HttpsUrls", "Urls", "no certificate is configured")]
    public async Task Binary_WhatCheckConfigRefuses_StartupRefuses_TheSameWay(string mistake, string path, string message)
    {
        var config = ConfigValidationTests.Valid();
        switch (mistake)
        {
            case "Logging":
                config["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Informaton" } };
                break;
            case "Urls":
                config["Urls"] = "htp://127.0.0.1:8080";
                break;
            default:
                config["Urls"] = "https://127.0.0.1:" + FreePort.Next();
                break;
        }

        var file = WriteConfig(config);

        var check = await GatewayBinary.RunAsync(["check-config", file, "--environment", "Production"]);
        var start = await GatewayBinary.RunAsync(["--config", file, "--environment", "Production"]);

        Assert.Equal(1, check.Exit);
        var checkError = Assert.Single(check.Stderr.Split('\n'), l => l.StartsWith($"  {path}: ", StringComparison.Ordinal));
        Assert.Contains(message, checkError);
        Assert.True(start.Exit == 1, $"startup exited {start.Exit}:\n{start.Stdout}\n{start.Stderr}");
        Assert.Contains($"Invalid gateway configuration (environment: Production; files: {file}):", start.Stderr);
        Assert.Contains(checkError, start.Stderr);
        Assert.DoesNotContain("Unhandled exception", start.Stderr);
    }

    [Fact]
    public async Task NoConfigurationFound_NamesTheEnvironment_AndTheWorkingDirectory()
    {
        var start = await GatewayBinary.RunAsync(["--environment", "Staging"], workingDirectory: _directory);
        var check = await GatewayBinary.RunAsync(["check-config", "--environment", "Staging"], workingDirectory: _directory);

        foreach (var (exit, stdout, stderr) in new[] { start, check })
        {
            Assert.True(exit == 1, $"exited {exit}:\n{stdout}\n{stderr}");
            Assert.Contains($"No configuration found (environment: Staging; working directory: {_directory})", stderr);
            Assert.DoesNotContain("Unhandled exception", stderr);
        }
    }

    [Fact]
    public async Task Binary_AppSettingsInTheWorkingDirectory_IsNotALayer_StartupAgreesWithCheckConfig()
    {
        // gateway.json alone has no issuer (invalid); an appsettings.json beside it used to complete it at startup only.
        var config = ConfigValidationTests.Valid();
        var issuers = config["Gateway"]!["Issuers"]!.DeepClone();
        config["Gateway"]!.AsObject().Remove("Issuers");
        var file = WriteConfig(config);
        await File.WriteAllTextAsync(Path.Combine(_directory, "appsettings.json"), new JsonObject { ["Gateway"] = new JsonObject { ["Issuers"] = issuers } }.ToJsonString());

        var check = await GatewayBinary.RunAsync(["check-config", file, "--environment", "Production"], workingDirectory: _directory);
        var start = await GatewayBinary.RunAsync(["--config", file, "--environment", "Production", "--urls", "http://127.0.0.1:" + FreePort.Next()], workingDirectory: _directory, timeout: TimeSpan.FromSeconds(30));

        Assert.Equal(1, check.Exit);
        Assert.Contains("  Gateway:Issuers: at least one issuer is required", check.Stderr);
        Assert.Equal(1, start.Exit);
        Assert.Contains("  Gateway:Issuers: at least one issuer is required", start.Stderr);
    }

    [Fact]
    public async Task Binary_CheckConfig_FindsTheConfiguration_LikeTheGateway()
    {
        var fromVariable = Path.Combine(_directory, "from-variable");
        Directory.CreateDirectory(fromVariable);
        var variableFile = WriteConfig(ConfigValidationTests.Valid(), Path.Combine(fromVariable, "gateway.json"));
        var nested = Path.Combine(_directory, "project", "src");
        Directory.CreateDirectory(nested);
        Directory.CreateDirectory(Path.Combine(_directory, "project", "config"));
        var defaultFile = WriteConfig(ConfigValidationTests.Valid(), Path.Combine(_directory, "project", "config", "gateway.json"));

        var byVariable = await GatewayBinary.RunAsync(["check-config", "--environment", "Production"], workingDirectory: nested, environment: new Dictionary<string, string> { ["GATEWAY_CONFIG"] = fromVariable });
        var byDirectory = await GatewayBinary.RunAsync(["check-config", "--environment", "Production"], workingDirectory: nested);
        var byOption = await GatewayBinary.RunAsync(["check-config", "--config", variableFile, "--environment", "Production"], workingDirectory: nested);

        Assert.Equal($"{fromVariable}: valid (environment: Production; files: {variableFile})", byVariable.Stdout.TrimEnd());
        Assert.Equal($"{Path.GetDirectoryName(defaultFile)}: valid (environment: Production; files: {defaultFile})", byDirectory.Stdout.TrimEnd());
        Assert.Equal($"{variableFile}: valid (environment: Production; files: {variableFile})", byOption.Stdout.TrimEnd());
    }

    [Fact]
    public async Task Binary_CheckConfig_EnvironmentDefaultsToTheBuilds_AndNamesIt()
    {
        // A Release build (what the tests and a deployment run) defaults to Production; a Debug build (dotnet run) to Development.
        var expected = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name == "Release" ? "Production" : "Development";
        var file = WriteConfig(ConfigValidationTests.Valid());

        var (exit, stdout, stderr) = await GatewayBinary.RunAsync(["check-config", file]);

        Assert.True(exit == 0, stderr);
        Assert.Equal($"{file}: valid (environment: {expected}; files: {file})", stdout.TrimEnd());
    }

    [Fact]
    public async Task Binary_ReadmeQuickstartCommands_WorkWithTheBuiltBinary()
    {
        // The README's commands with `dotnet gateway/bin/<Configuration>/net10.0/Gateway.dll` in place of `dotnet run --project gateway --`:
        // the repository's config/, the environment named explicitly (a Release build defaults to Production).
        var config = RepositoryRoot.Combine("config");
        var keys = "--Gateway:Development:KeyDirectory=" + Path.Combine(_directory, "keys");

        var check = await GatewayBinary.RunAsync(["check-config", config, "--environment", "Development"]);
        var checkProduction = await GatewayBinary.RunAsync(["check-config", config, "--environment", "Production"]);
        var token = await GatewayBinary.RunAsync(["token", "--config", config, "--environment", "Development", "--sub", "alice", "--scope", "orders:read", "--role", "admin", keys]);

        Assert.True(check.Exit == 0, check.Stderr);
        Assert.Contains("valid (environment: Development; files: ", check.Stdout);
        Assert.Equal(1, checkProduction.Exit);
        Assert.Contains("  Gateway:Issuers: at least one issuer is required", checkProduction.Stderr);
        Assert.True(token.Exit == 0, token.Stderr);
        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", token.Stdout.TrimEnd());
    }

    [Theory]
    [InlineData("production")]
    [InlineData("PRODUCTION")]
    [InlineData("Production")]
    public async Task CheckConfig_EnvironmentFile_MatchesTheEnvironmentName_CaseInsensitively(string environment)
    {
        // gateway.json has no issuer: valid only when gateway.Production.json (which adds one) is read.
        var config = ConfigValidationTests.Valid();
        var issuers = config["Gateway"]!["Issuers"]!.DeepClone();
        config["Gateway"]!.AsObject().Remove("Issuers");
        var baseFile = WriteConfig(config);
        var environmentFile = WriteConfig(new JsonObject { ["Gateway"] = new JsonObject { ["Issuers"] = issuers } }, Path.Combine(_directory, "gateway.Production.json"));

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(_directory, environment);

        Assert.True(exit == 0, stderr);
        Assert.Equal($"{_directory}: valid (environment: {environment}; files: {baseFile}, {environmentFile})", stdout.TrimEnd());
    }

    [Fact]
    public async Task CheckConfig_TwoEnvironmentFilesDifferingInCase_Exit1_NamesBoth()
    {
        WriteConfig(ConfigValidationTests.Valid());
        WriteConfig(new JsonObject(), Path.Combine(_directory, "gateway.Production.json"));
        WriteConfig(new JsonObject(), Path.Combine(_directory, "gateway.production.json"));

        var (exit, stdout, stderr) = await ExampleConfigTests.CheckConfigAsync(_directory, "Production");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("gateway.Production.json, gateway.production.json", stderr);
    }

    [Fact]
    public async Task CheckConfig_AppliesCommandLineOverrides_LikeTheGateway()
    {
        var file = WriteConfig(ConfigValidationTests.Valid());

        var (exit, _, stderr) = await ExampleConfigTests.CheckConfigAsync(file, "Production", "--Gateway:Limits:MaxTokenLength=100", "--Gateway:Issuers:main:KeyRefreshInterval", "3600", "--urls", "http://127.0.0.1:8080;htp://127.0.0.1:8081");

        Assert.Equal(1, exit);
        Assert.Contains("  urls: 'htp://127.0.0.1:8081' is not an http:// or https:// address", stderr);
        Assert.Contains("  Gateway:Limits:MaxTokenLength: must be between 256 and 65536", stderr);
        Assert.Contains("  Gateway:Issuers:main:KeyRefreshInterval: '3600' is a bare number", stderr);
    }

    private string WriteConfig(JsonObject config, string? path = null)
    {
        path ??= Path.Combine(_directory, "gateway.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }
}
