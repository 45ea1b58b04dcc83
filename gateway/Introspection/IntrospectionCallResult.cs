namespace Gateway.Introspection;

/// <summary>How one call to the introspection endpoint ended: an answer, or why there is none (the metric's <c>jwtgw.outcome</c>).</summary>
internal readonly record struct IntrospectionCallResult(IntrospectionAnswer? Answer, string Outcome, int? HttpStatus = null)
{
    public const string Active = "active";
    public const string Inactive = "inactive";

    /// <summary>The endpoint answered 400/401/403: it refused the gateway's client credentials (a misconfiguration).</summary>
    public const string ClientRefused = "client_refused";
    public const string HttpError = "http_error";
    public const string Timeout = "timeout";
    public const string Unreachable = "unreachable";
    public const string Malformed = "malformed";

    /// <summary>No endpoint: discovery could not be read or names no usable <c>introspection_endpoint</c>.</summary>
    public const string NoEndpoint = "no_endpoint";

    public static IntrospectionCallResult Of(IntrospectionAnswer answer) => new(answer, answer.Active ? Active : Inactive, 200);

    public static IntrospectionCallResult Failed(string outcome, int? httpStatus = null) => new(null, outcome, httpStatus);
}
