using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Hosting;

/// <summary>
/// One shutdown setting: <c>Gateway:Management:DrainTimeout</c> bounds the host's shutdown. ASP.NET Core's own
/// <c>shutdownTimeoutSeconds</c> (which manifests used to set) is overridden, and the gateway says so at startup.
/// </summary>
public sealed class ShutdownSettingsTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public ShutdownSettingsTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private JsonObject Config() => _fixture.Config().Set("Management", new JsonObject { ["DrainTimeout"] = "00:00:07" }).Build();

    [Fact]
    public async Task ShutdownTimeoutSeconds_IsOverriddenByDrainTimeout_AndAWarningSaysSo()
    {
        await using var gateway = await GatewayInstance.StartAsync(Config(), "Production", "--shutdownTimeoutSeconds", "1");

        Assert.Equal(TimeSpan.FromSeconds(7), gateway.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        var warning = Assert.Single(gateway.Logs.Lines, l => l.EventId == EventIds.ShutdownTimeoutIgnored);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("shutdownTimeoutSeconds (1) is ignored", warning.Message);
        Assert.Contains("Gateway:Management:DrainTimeout (7 s)", warning.Message);
    }

    [Fact]
    public async Task WithoutShutdownTimeoutSeconds_NoWarning()
    {
        await using var gateway = await GatewayInstance.StartAsync(Config());

        Assert.Equal(TimeSpan.FromSeconds(7), gateway.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(0, gateway.Logs.Count(EventIds.ShutdownTimeoutIgnored));
    }
}
