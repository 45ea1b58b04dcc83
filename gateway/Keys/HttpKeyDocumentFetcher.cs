using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// Fetches an issuer's keys over HTTP: either OpenID Connect discovery (the document, parsed by
/// IdentityModel's <see cref="OpenIdConnectConfiguration"/>, then its <c>jwks_uri</c>) or a plain JWKS
/// URL. Documents are size-limited, must parse before they are accepted (a malformed JWKS never
/// replaces good keys), and the JWKS response's <c>Cache-Control: max-age</c> is kept.
/// </summary>
internal sealed class HttpKeyDocumentFetcher : IKeyDocumentFetcher
{
    private const int MaxDocumentBytes = 1024 * 1024;
    private readonly HttpClient _http;
    private readonly bool _discovery;
    private readonly bool _requireHttps;
    private readonly string? _expectedIssuer;
    private readonly TimeProvider _time;

    private HttpKeyDocumentFetcher(HttpClient http, string address, bool discovery, bool requireHttps, string? expectedIssuer, TimeProvider time)
    {
        _http = http;
        SourceAddress = address;
        _discovery = discovery;
        _requireHttps = requireHttps;
        _expectedIssuer = expectedIssuer;
        _time = time;
    }

    public string SourceAddress { get; }

    public static HttpKeyDocumentFetcher ForDiscovery(HttpClient http, string metadataAddress, string expectedIssuer, bool requireHttps, TimeProvider time) =>
        new(http, metadataAddress, discovery: true, requireHttps, expectedIssuer, time);

    public static HttpKeyDocumentFetcher ForJwks(HttpClient http, string jwksUri, bool requireHttps, TimeProvider time) =>
        new(http, jwksUri, discovery: false, requireHttps, null, time);

    public async Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        var jwksUri = SourceAddress;
        if (_discovery)
        {
            var (discoveryJson, _) = await GetAsync(SourceAddress, cancellationToken).ConfigureAwait(false);
            var discovery = OpenIdConnectConfiguration.Create(discoveryJson);

            // OpenID Connect Discovery 1.0 §4.3: the document must announce the issuer we expect.
            if (!string.Equals(discovery.Issuer, _expectedIssuer, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"the discovery document announces issuer '{discovery.Issuer}', expected '{_expectedIssuer}'");
            }

            jwksUri = discovery.JwksUri ?? throw new InvalidDataException("the discovery document has no jwks_uri");
        }

        var (jwksJson, maxAge) = await GetAsync(jwksUri, cancellationToken).ConfigureAwait(false);
        var keySet = new JsonWebKeySet(jwksJson);
        if (keySet.Keys.Count == 0)
        {
            throw new NoUsableSigningKeyException();
        }

        return new KeyDocument(jwksJson, _time.GetUtcNow(), maxAge);
    }

    private async Task<(string Body, TimeSpan? MaxAge)> GetAsync(string address, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && (_requireHttps || uri.Scheme != Uri.UriSchemeHttp)))
        {
            throw new InvalidDataException($"'{address}' is not an allowed {(_requireHttps ? "https" : "http(s)")} URL");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {address} answered {(int)response.StatusCode}", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new InvalidDataException($"GET {address}: document larger than {MaxDocumentBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                throw new InvalidDataException($"GET {address}: document larger than {MaxDocumentBytes} bytes");
            }

            buffer.Write(chunk.AsSpan(0, read));
        }

        var cacheControl = response.Headers.CacheControl;
        var maxAge = cacheControl is { NoStore: false, NoCache: false } ? cacheControl.MaxAge : null;
        return (Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), maxAge);
    }
}
