using Gateway.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Gateway.Forwarding;

/// <summary>
/// What of the token reaches the downstream once it was verified, compiled once per configuration: every other
/// token carrier is removed (the downstream reads only the verified token); a header token (<c>Authorization</c> or
/// a custom header) is forwarded unless <c>ForwardAuthorizationHeader</c> is false; a query-string token never is
/// (query strings end up in access logs).
/// </summary>
internal sealed class VerifiedTokenForwarding
{
    private readonly TokenCarrierScrubber _scrubber;
    private readonly bool _forwardHeaderToken;

    public VerifiedTokenForwarding(TokenCarrierScrubber scrubber, bool forwardHeaderToken)
    {
        ArgumentNullException.ThrowIfNull(scrubber);
        _scrubber = scrubber;
        _forwardHeaderToken = forwardHeaderToken;
    }

    public void Apply(HttpRequest request, ExtractedToken verified)
    {
        ArgumentNullException.ThrowIfNull(request);
        _scrubber.RemoveOtherCarriers(request, verified);
        if (verified.Source is TokenSourceKind.AuthorizationHeader or TokenSourceKind.Header && !_forwardHeaderToken)
        {
            request.Headers.Remove(verified.SourceName!);
        }
        else if (verified.Source == TokenSourceKind.QueryParameter)
        {
            var query = new QueryBuilder();
            foreach (var (key, values) in request.Query)
            {
                // The query collection matched the name case-insensitively: remove it the same way.
                if (!string.Equals(key, verified.SourceName, StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var value in values)
                    {
                        query.Add(key, value ?? "");
                    }
                }
            }

            request.QueryString = query.ToQueryString();
        }
    }
}
