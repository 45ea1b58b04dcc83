namespace Gateway.Keys;

/// <summary>
/// The raw material behind an <see cref="IssuerKeySet"/>: the JWKS JSON, when it was fetched from the
/// identity provider and the <c>max-age</c> it was served with. This is what the shared cache stores,
/// so replicas parse the same bytes.
/// </summary>
internal sealed record KeyDocument(string JwksJson, DateTimeOffset FetchedAt, TimeSpan? MaxAge = null);
