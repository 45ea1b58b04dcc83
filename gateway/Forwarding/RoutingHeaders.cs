using System.Collections.Frozen;

namespace Gateway.Forwarding;

/// <summary>
/// Request headers that common downstream servers and frameworks trust for routing, method, client address or host,
/// as if a proxy in front had set them. A client sending them through the gateway could make the downstream serve
/// another resource, method or identity than the one the gateway judged. They are removed from every request on every
/// route, whatever their case or repetition (also spelled with <c>_</c>), unless a route lists them in its
/// <c>Metadata:PassHeaders</c> (comma-separated names from this list). <c>X-Forwarded-For/Host/Proto/Prefix</c> are
/// not here: YARP's default transforms replace the client's values with its own (configure them per route with YARP's
/// <c>X-Forwarded</c> transforms).
/// </summary>
internal static class RoutingHeaders
{
    /// <summary>The default strip list, with who reads each header.</summary>
    public static readonly FrozenSet<string> Names = new[]
    {
        // Path overrides: IIS URL Rewrite, Symfony/Zend/Laminas request (CVE-2018-14773), nginx auth_request setups.
        "X-Original-URL", "X-Rewrite-URL", "X-Original-URI", "X-Override-URL",
        // Method overrides: ASP.NET Web API, Express method-override, Jersey, OData, Google APIs.
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
        // Client address: nginx realip, Akamai/Cloudflare/Fastly, Rails/Rack remote_ip, Apache mod_remoteip setups,
        // the request-ip library, ingress-nginx.
        "X-Real-IP", "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "Client-IP", "CF-Connecting-IP",
        "Fastly-Client-IP", "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr", "X-Forwarded", "Forwarded-For",
        "X-Original-Forwarded-For",
        // Authenticated user set by an authenticating proxy: Apache/CGI REMOTE_USER setups, oauth2-proxy, Grafana.
        "Remote-User", "X-Remote-User", "X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups",
        "X-Forwarded-Preferred-Username", "X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
        "X-Auth-Request-Preferred-Username", "X-WEBAUTH-USER",
        // Host, port and scheme: RFC 7239 Forwarded (Spring, Werkzeug, Express), Rack, Spring, Django, Microsoft.
        "Forwarded", "X-Forwarded-Server", "X-Forwarded-Port", "X-Forwarded-Scheme", "X-Forwarded-Ssl", "Front-End-Https",
        "X-Url-Scheme", "X-Original-Host", "X-Host", "X-HTTP-Host-Override",
        // Client certificate and its verification, set by a TLS-terminating proxy: Envoy/Istio XFCC, nginx
        // ($ssl_client_escaped_cert, $ssl_client_verify), ASP.NET Core certificate forwarding, Azure ARR, GCP load balancers.
        "X-Forwarded-Client-Cert", "X-Client-Cert", "X-SSL-Client-Cert", "X-ARR-ClientCert", "X-SSL-Client-Verify",
        "X-Client-Verify", "X-SSL-Client-DN", "X-SSL-Client-S-DN", "X-Client-Cert-Chain",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
