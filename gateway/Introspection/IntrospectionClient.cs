using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Introspection;

/// <summary>
/// Calls the introspection endpoint (RFC 7662 §2.1): a form POST of <c>token</c> and <c>token_type_hint</c>, with the
/// gateway's client credentials (client_secret_basic: <c>Authorization: Basic</c> of the form-urlencoded id and
/// secret, RFC 6749 §2.3.1; client_secret_post: <c>client_id</c> and <c>client_secret</c> in the form). The endpoint
/// comes from the configuration or, once, from discovery's <c>introspection_endpoint</c>. Never throws: every way a
/// call can fail is an outcome. The token and the secret are never logged or put in an exception.
/// </summary>
internal sealed class IntrospectionClient
{
    private const int MaxAnswerBytes = 64 * 1024;
    private const int MaxDiscoveryBytes = 1024 * 1024;
    private readonly HttpClient _http;
    private readonly IntrospectionSettings _settings;
    private readonly AuthenticationHeaderValue? _basic;
    private volatile Uri? _endpoint;
    private Task<Uri?>? _discovery;

    public IntrospectionClient(HttpClient http, IntrospectionSettings settings)
    {
        _http = http;
        _settings = settings;
        if (settings.Endpoint is { } endpoint)
        {
            _endpoint = new Uri(endpoint);
        }

        if (!settings.PostCredentials)
        {
            var credentials = Uri.EscapeDataString(settings.ClientId) + ":" + Uri.EscapeDataString(settings.ClientSecret);
            _basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
    }

    /// <summary>The endpoint in use, once known.</summary>
    public Uri? Endpoint => _endpoint;

    /// <summary>Introspects <paramref name="token"/>; the caller bounds the call with <paramref name="cancellationToken"/>.</summary>
    public async Task<IntrospectionCallResult> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            var endpoint = _endpoint ?? await DiscoverOnceAsync(cancellationToken).ConfigureAwait(false);
            if (endpoint is null)
            {
                return IntrospectionCallResult.Failed(IntrospectionCallResult.NoEndpoint);
            }

            var form = new List<KeyValuePair<string, string>>(4) { new("token", token), new("token_type_hint", "access_token") };
            if (_settings.PostCredentials)
            {
                form.Add(new("client_id", _settings.ClientId));
                form.Add(new("client_secret", _settings.ClientSecret));
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Authorization = _basic;
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                return IntrospectionCallResult.Failed(IntrospectionCallResult.ClientRefused, status);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return IntrospectionCallResult.Failed(IntrospectionCallResult.HttpError, status);
            }

            var body = await ReadBoundedAsync(response.Content, MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
            var answer = body is null ? null : IntrospectionAnswer.TryRead(body);
            return answer is null ? IntrospectionCallResult.Failed(IntrospectionCallResult.Malformed, status) : IntrospectionCallResult.Of(answer);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return IntrospectionCallResult.Failed(IntrospectionCallResult.Timeout);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return IntrospectionCallResult.Failed(IntrospectionCallResult.Unreachable);
        }
    }

    // Lookups of different tokens starting together share one discovery read (each still bounded by its own budget).
    private Task<Uri?> DiscoverOnceAsync(CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<Uri?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Interlocked.CompareExchange(ref _discovery, mine.Task, null);
        if (running is null)
        {
            _ = RunDiscoveryAsync(mine, cancellationToken);
            running = mine.Task;
        }

        return running.WaitAsync(cancellationToken);
    }

    private async Task RunDiscoveryAsync(TaskCompletionSource<Uri?> discovery, CancellationToken cancellationToken)
    {
        Uri? found = null;
        try
        {
            found = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // no endpoint this time: the next lookup reads discovery again
        }
        finally
        {
            Volatile.Write(ref _discovery, null);
            discovery.TrySetResult(found);
        }
    }

    // OpenID Connect Discovery / RFC 8414: the document must name the expected issuer; the endpoint must be https
    // (plain http only where the issuer allows it, on loopback). Read again on the next call while it fails.
    private async Task<Uri?> DiscoverAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(_settings.DiscoveryAddress, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        var body = await ReadBoundedAsync(response.Content, MaxDiscoveryBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("issuer", out var issuer) || issuer.ValueKind != JsonValueKind.String || issuer.GetString() != _settings.ExpectedIssuer
                || !root.TryGetProperty("introspection_endpoint", out var endpoint) || endpoint.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out var uri) || !IsAllowed(uri))
            {
                return null;
            }

            _endpoint = uri;
            return uri;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private bool IsAllowed(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && !_settings.RequireHttps && uri.IsLoopback);

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk.AsSpan(0, read));
        }

        return buffer.ToArray();
    }
}
