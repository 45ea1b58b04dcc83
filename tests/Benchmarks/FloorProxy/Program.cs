using Microsoft.IdentityModel.Tokens;
using Yarp.ReverseProxy.Configuration;

// THE MEASURED FLOOR of the load benchmark's miss scenarios. NOT A GATEWAY: never deploy it, never copy it into one.
// It checks a JWT's signature and nothing else: no exp/nbf, no iss, no aud, no alg allow-list beyond the key's own, no
// policy, no claim headers, no size limits worth the name. Any token signed by a benchmark key passes, forever.
//
// What it is for: the cheapest proxy that verifies one signature per request with the same .NET APIs the gateway
// ends up in (RSA.VerifyData / ECDsa.VerifyData, keys imported once), run in the same interleaved rounds as bare YARP,
// the stock stack and the gateway. The gap between bare YARP and this proxy is what one verification costs *under
// load* (interleaved with proxy work, GC and cache pressure), which a tight loop (BenchTokens verify-cost) understates.
// Usage: FloorProxy --urls http://127.0.0.1:PORT --Downstream http://127.0.0.1:PORT/ --Jwks FILE
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var downstream = builder.Configuration["Downstream"] ?? throw new InvalidOperationException("--Downstream is required");
var jwks = new JsonWebKeySet(File.ReadAllText(builder.Configuration["Jwks"] ?? throw new InvalidOperationException("--Jwks is required")));
var verifier = new FloorVerifier(jwks);

builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "api", ClusterId = "downstream", Match = new RouteMatch { Path = "/api/{**rest}" } }],
    [new ClusterConfig { ClusterId = "downstream", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = downstream } } }]);
var app = builder.Build();
app.Use((context, next) =>
{
    if (verifier.Verify(context.Request.Headers.Authorization.ToString()))
    {
        return next(context);
    }

    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
    return Task.CompletedTask;
});
app.MapReverseProxy();
app.Run();
