using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Keys;

/// <summary>
/// OpenID Connect discovery: reads the discovery document with IdentityModel's
/// <see cref="OpenIdConnectConfigurationRetriever"/>, then the JWKS it points to.
/// </summary>
public sealed class DiscoveryFetcher : IKeyDocumentFetcher
{
    private readonly IDocumentRetriever _retriever;
    private readonly TimeProvider _time;
    private readonly string? _expectedIssuer;

    public DiscoveryFetcher(string metadataAddress, string? expectedIssuer, IDocumentRetriever retriever, TimeProvider time)
    {
        SourceAddress = metadataAddress;
        _expectedIssuer = expectedIssuer;
        _retriever = retriever;
        _time = time;
    }

    public string SourceAddress { get; }

    public async Task<KeyDocument> FetchAsync(CancellationToken cancellationToken)
    {
        var discoveryJson = await _retriever.GetDocumentAsync(SourceAddress, cancellationToken).ConfigureAwait(false);
        var discovery = OpenIdConnectConfiguration.Create(discoveryJson);
        if (string.IsNullOrEmpty(discovery.JwksUri))
        {
            throw new InvalidOperationException($"The discovery document at '{SourceAddress}' has no jwks_uri.");
        }

        // OpenID Connect Discovery §4.3: the document's issuer must be the issuer we expect.
        if (_expectedIssuer is not null && !string.Equals(discovery.Issuer, _expectedIssuer, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The discovery document at '{SourceAddress}' announces issuer '{discovery.Issuer}', expected '{_expectedIssuer}'.");
        }

        var jwksJson = await _retriever.GetDocumentAsync(discovery.JwksUri, cancellationToken).ConfigureAwait(false);
        _ = new JsonWebKeySet(jwksJson);
        return new KeyDocument(jwksJson, discovery.Issuer, _time.GetUtcNow());
    }
}
