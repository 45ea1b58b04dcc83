namespace Gateway.Keys;

/// <summary>The timing rules of one issuer's key source. Value equality lets a reload keep a manager whose source did not change.</summary>
public sealed record KeySourceSettings(
    string IssuerName,
    string SourceAddress,
    TimeSpan RefreshInterval,
    TimeSpan UnknownKidRefreshInterval,
    TimeSpan FetchTimeout);
