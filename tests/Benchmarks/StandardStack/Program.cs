using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

// The peer users would build instead of the gateway: YARP + JwtBearer + a route AuthorizationPolicy
// (a scope and a role) + a transform copying four claims to headers. Same keys, same token, same route.
// Usage: StandardStack --urls http://127.0.0.1:PORT --Downstream http://127.0.0.1:PORT/ --Jwks FILE --Issuer ISS --Audience AUD
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var config = builder.Configuration;
var downstream = config["Downstream"] ?? throw new InvalidOperationException("--Downstream is required");
var keys = new JsonWebKeySet(File.ReadAllText(config["Jwks"] ?? throw new InvalidOperationException("--Jwks is required"))).Keys;

builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
{
    options.MapInboundClaims = false;
    options.TokenValidationParameters = new TokenValidationParameters
    {
        ValidIssuer = config["Issuer"],
        ValidAudience = config["Audience"],
        IssuerSigningKeys = keys,
        ValidAlgorithms = ["RS256", "ES256"],
        RoleClaimType = "roles",
        NameClaimType = "sub",
        ClockSkew = TimeSpan.FromSeconds(60),
    };
});
builder.Services.AddAuthorization(options => options.AddPolicy("bench", policy => policy
    .RequireAuthenticatedUser()
    .RequireAssertion(context => context.User.FindAll("scope").Any(c => c.Value.Split(' ').Contains("orders:read")))
    .RequireRole("admin")));

string[] claimHeaders = ["sub:X-User-Id", "scope:X-User-Scopes", "roles:X-User-Roles", "tenant:X-Tenant"];
builder.Services.AddReverseProxy()
    .LoadFromMemory(
        [new RouteConfig { RouteId = "api", ClusterId = "downstream", AuthorizationPolicy = "bench", Match = new RouteMatch { Path = "/api/{**rest}" } }],
        [new ClusterConfig { ClusterId = "downstream", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = downstream } } }])
    .AddTransforms(transforms => transforms.AddRequestTransform(context =>
    {
        foreach (var mapping in claimHeaders)
        {
            var (claim, header) = (mapping[..mapping.IndexOf(':')], mapping[(mapping.IndexOf(':') + 1)..]);
            context.ProxyRequest.Headers.Remove(header);
            var values = context.HttpContext.User.FindAll(claim).Select(c => c.Value).ToArray();
            if (values.Length > 0)
            {
                context.ProxyRequest.Headers.TryAddWithoutValidation(header, string.Join(',', values));
            }
        }

        return ValueTask.CompletedTask;
    }));

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapReverseProxy();
app.Run();
