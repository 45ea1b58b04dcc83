namespace Gateway.TestSupport;

/// <summary>An HttpClient factory whose clients never reach a network: for code under test that must load nothing.</summary>
public sealed class NoNetworkHttpClientFactory : IHttpClientFactory
{
#pragma warning disable RS0030 // this is the factory: the one place a test may build a client, around a handler that refuses
    public HttpClient CreateClient(string name) => new(new Refusing());
#pragma warning restore RS0030

    private sealed class Refusing : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no network here: the code under test tried to send " + request.RequestUri);
    }
}
