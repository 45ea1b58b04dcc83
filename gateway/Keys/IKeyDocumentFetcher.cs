namespace Gateway.Keys;

/// <summary>Fetches an issuer's current keys from their origin (the identity provider, or the local development issuer).</summary>
internal interface IKeyDocumentFetcher
{
    /// <summary>A stable description of the origin (the JWKS or discovery URL), used to bind cache entries to it.</summary>
    string SourceAddress { get; }

    Task<KeyDocument> FetchAsync(CancellationToken cancellationToken);
}
