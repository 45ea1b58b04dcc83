using System.Net.Http.Headers;

namespace Gateway.Tests.Infrastructure;

public static class HttpExtensions
{
    public static Task<HttpResponseMessage> GetWithTokenAsync(this HttpClient client, string path, string? token, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        configure?.Invoke(request);
        return client.SendAsync(request);
    }

    public static string? Challenge(this HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Count == 0 ? null : string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
}
