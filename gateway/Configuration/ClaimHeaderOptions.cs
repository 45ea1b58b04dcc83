namespace Gateway.Configuration;

/// <summary>Forward the verified claim at <see cref="Claim"/> as request header <see cref="Header"/>.</summary>
public sealed record ClaimHeaderOptions
{
    public string Header { get; init; } = "";

    /// <summary>Claim path (<c>org.tenant</c>). Empty in an override: do not forward this header.</summary>
    public string Claim { get; init; } = "";
}
