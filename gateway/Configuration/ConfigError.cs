namespace Gateway.Configuration;

/// <summary>One configuration problem: where (configuration path, e.g. <c>Gateway:Issuers:corp:JwksUri</c>) and what.</summary>
internal sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
