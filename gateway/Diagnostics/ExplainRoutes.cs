using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Diagnostics;

/// <summary>
/// The route matcher of the built application: attached once the pipeline mapped YARP's routes
/// (<see cref="Hosting.GatewayApplication"/>), created on first use.
/// </summary>
internal sealed class ExplainRoutes
{
    private Lazy<ExplainRouteMatcher>? _matcher;

    public ExplainRouteMatcher Matcher => (_matcher ?? throw new InvalidOperationException("The gateway's routes are not mapped yet.")).Value;

    public void Attach(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var sources = ((IEndpointRouteBuilder)app).DataSources;
        _matcher = new Lazy<ExplainRouteMatcher>(() => new ExplainRouteMatcher(app.Services, sources));
    }
}
