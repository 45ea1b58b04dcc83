namespace Gateway.Keys;

/// <summary>
/// The raw material behind an <see cref="IssuerKeySet"/>: the JWKS JSON and, with discovery, the
/// issuer it announced. This is what the shared cache stores, so replicas parse the same bytes.
/// </summary>
public sealed record KeyDocument(string JwksJson, string? DiscoveredIssuer, DateTimeOffset FetchedAt);
