using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Primitives;

namespace Gateway.Cors;

/// <summary>
/// Whether a preflight gets what it asks for, and if not why: the <c>jwtgw.reason</c> of a refused preflight.
/// ASP.NET Core's CORS service omits the CORS headers for an origin it does not allow and leaves the method and
/// header checks to the browser; this names the refusal the browser will make, for metrics and logs.
/// </summary>
internal static class CorsPreflightCheck
{
    public const string OriginNotAllowed = "origin_not_allowed";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string HeadersNotAllowed = "headers_not_allowed";

    /// <summary>Null when the preflight is allowed, else the reason it is refused.</summary>
    public static string? Refusal(CorsPolicy policy, bool originAllowed, string? requestedMethod, StringValues requestedHeaders)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!originAllowed)
        {
            return OriginNotAllowed;
        }

        if (!policy.AllowAnyMethod && !policy.Methods.Contains(requestedMethod ?? "", StringComparer.Ordinal))
        {
            return MethodNotAllowed;
        }

        if (!policy.AllowAnyHeader)
        {
            foreach (var value in requestedHeaders)
            {
                foreach (var header in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!policy.Headers.Contains(header, StringComparer.OrdinalIgnoreCase))
                    {
                        return HeadersNotAllowed;
                    }
                }
            }
        }

        return null;
    }
}
