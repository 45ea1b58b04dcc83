using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Development;

/// <summary>The development issuer's discovery document names its own addresses, whatever <c>Host</c> a client sends.</summary>
public sealed class DevelopmentDiscoveryTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public DevelopmentDiscoveryTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Theory]
    [InlineData(null, "http://localhost:8080/dev-issuer/jwks.json")]
    [InlineData("https://dev.example.test/dev-issuer", "https://dev.example.test/dev-issuer/jwks.json")]
    public async Task JwksUri_ComesFromTheConfiguredIssuer_NotFromTheRequestsHost(string? configuredIssuer, string expectedJwksUri)
    {
        var keys = Directory.CreateTempSubdirectory("gateway-dev-keys-").FullName;
        try
        {
            var config = _fixture.Config();
            var dev = new JsonObject { ["Development"] = true, ["Audiences"] = new JsonArray("dev") };
            if (configuredIssuer is not null)
            {
                dev["Issuer"] = configuredIssuer;
            }

            config.Gateway["Issuers"] = new JsonObject { ["dev"] = dev };
            config.Gateway["Development"] = new JsonObject { ["KeyDirectory"] = keys };
            await using var gateway = await config.StartAsync("Development");

            using var response = await gateway.Client.GetWithTokenAsync("/dev-issuer/.well-known/openid-configuration", null, r => r.Headers.Host = "evil.example");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var discovery = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(expectedJwksUri, discovery.RootElement.GetProperty("jwks_uri").GetString());
            Assert.Equal(configuredIssuer ?? "http://localhost:8080/dev-issuer", discovery.RootElement.GetProperty("issuer").GetString());
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }
}
