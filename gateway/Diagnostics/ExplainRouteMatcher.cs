using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Diagnostics;

/// <summary>
/// Finds the route a request would take with ASP.NET Core's own endpoint routing over the gateway's endpoints (YARP's
/// routes, built from the active configuration): the matcher the request path uses, with its path templates, hosts,
/// methods, headers, query parameters and orders, run on a synthetic request. The matched endpoint is read and never
/// executed: nothing is proxied.
/// </summary>
internal sealed class ExplainRouteMatcher
{
    private readonly RequestDelegate _pipeline;
    private readonly IServiceProvider _services;

    public ExplainRouteMatcher(IServiceProvider services, IEnumerable<EndpointDataSource> sources)
    {
        _services = services;
        var sourceList = sources.ToList();
        var app = new ApplicationBuilder(services);
        app.UseRouting();
        app.Use(_ => _ => Task.CompletedTask); // the endpoint is selected; it is never run
        app.UseEndpoints(endpoints =>
        {
            foreach (var source in sourceList)
            {
                endpoints.DataSources.Add(source);
            }
        });
        _pipeline = app.Build();
    }

    /// <summary>Matches <paramref name="method"/> on <paramref name="scheme"/>://<paramref name="host"/><paramref name="path"/>?<paramref name="query"/> with <paramref name="headers"/>.</summary>
    public async Task<RouteMatch> MatchAsync(string method, string scheme, string host, string path, string query, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        var request = context.Request;
        request.Method = method;
        request.Scheme = scheme;
        request.Host = new HostString(host);
        request.Path = new PathString(path);
        request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        await _pipeline(context).ConfigureAwait(false);
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return new RouteMatch(null, $"no route matches {method} {host}{path} (the gateway answers 404)");
        }

        if (endpoint.Metadata.GetMetadata<RouteModel>() is { } route)
        {
            return new RouteMatch(route.Config, null);
        }

        // ASP.NET Core's "405 HTTP Method Not Supported" endpoint, or a gateway endpoint that is not a proxy route.
        return new RouteMatch(null, endpoint.DisplayName?.Contains("405", StringComparison.Ordinal) == true
            ? $"routes match {host}{path} but none for method {method} (the gateway answers 405)"
            : $"{method} {host}{path} is served by the gateway itself ({endpoint.DisplayName}), not proxied");
    }
}

/// <summary>The route a request matched, or why none did.</summary>
internal sealed record RouteMatch(RouteConfig? Route, string? NoMatchReason);
