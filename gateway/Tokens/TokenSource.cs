namespace Gateway.Tokens;

/// <summary>Where in the request a token was found.</summary>
internal enum TokenSourceKind
{
    None,
    AuthorizationHeader,
    Header,
    Cookie,
    QueryParameter,
}
