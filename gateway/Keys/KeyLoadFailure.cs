using System.Net;

namespace Gateway.Keys;

/// <summary>
/// Why an issuer's keys could not be loaded, for readiness and logs: since when loads fail, how many
/// failed in a row, and a fixed description of the last error. The description names the kind of
/// failure, never an exception message, so internal addresses and document contents stay out of it.
/// </summary>
internal sealed record KeyLoadFailure(DateTimeOffset Since, DateTimeOffset LastAt, int ConsecutiveFailures, string Error)
{
    public static string Describe(Exception exception) => exception switch
    {
        NoUsableSigningKeyException => NoUsableSigningKeyException.Description,
        LocalKeySourceException local => local.Message, // a fixed sentence: the path and the rule, never the content
        HttpRequestException { StatusCode: HttpStatusCode status } => $"the identity provider answered {(int)status}",
        HttpRequestException => "the identity provider could not be reached",
        OperationCanceledException or TimeoutException => "the identity provider did not answer within FetchTimeout",
        InvalidDataException => "the identity provider's document was refused",
        _ => "the identity provider's document could not be read",
    };
}
