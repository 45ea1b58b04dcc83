namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    /// <summary>Path of the revocation endpoint on the management listener.</summary>
    public const string RevocationPath = "/revocations";

    private static void ValidateRevocation(RevocationOptions revocation, ManagementOptions management, List<ConfigError> errors)
    {
        if (revocation.ApiKey is { } apiKey)
        {
            if (apiKey.Trim().Length < 32)
            {
                errors.Add(new("Gateway:Revocation:ApiKey", "must be at least 32 characters (set it from a secret, e.g. Gateway__Revocation__ApiKey); remove it to disable the revocation endpoint"));
            }

            // The endpoint takes tokens away from users: it is never reachable from the public listener.
            if (string.IsNullOrWhiteSpace(management.Url))
            {
                errors.Add(new("Gateway:Revocation:ApiKey", "the revocation endpoint is served only on a separate management listener: set Gateway:Management:Url (e.g. http://127.0.0.1:9090), or remove the key"));
            }
        }

        if (revocation.DefaultLifetime <= TimeSpan.Zero || revocation.DefaultLifetime > TimeSpan.FromDays(366))
        {
            errors.Add(new("Gateway:Revocation:DefaultLifetime", "must be between 00:00:00.001 and 366.00:00:00"));
        }

        if (revocation.ResyncInterval < TimeSpan.FromSeconds(1) || revocation.ResyncInterval > TimeSpan.FromHours(1))
        {
            errors.Add(new("Gateway:Revocation:ResyncInterval", "must be between 00:00:01 and 01:00:00"));
        }
    }
}
