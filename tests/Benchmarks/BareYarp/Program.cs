using Yarp.ReverseProxy.Configuration;

// The ceiling of the load benchmark: YARP (the gateway's version), the same route, no authentication.
// Usage: BareYarp --urls http://127.0.0.1:PORT --Downstream http://127.0.0.1:PORT/
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var downstream = builder.Configuration["Downstream"] ?? throw new InvalidOperationException("--Downstream is required");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "api", ClusterId = "downstream", Match = new RouteMatch { Path = "/api/{**rest}" } }],
    [new ClusterConfig { ClusterId = "downstream", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = downstream } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();
