using Gateway.Hosting;
using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Redis</c>: a parsable connection, the integrity key that guards shared keys, and TLS files that are used.</summary>
internal sealed class RedisRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var redis = context.Gateway.Redis;
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            try
            {
                _ = ConfigurationOptions.Parse(redis.Configuration);
            }
            catch (ArgumentException ex)
            {
                // The message names the bad option, never the password.
                context.Add("Gateway:Redis:Configuration", $"not a valid StackExchange.Redis configuration string: {ex.Message.Split('\n')[0]}");
            }
        }

        if (!string.IsNullOrWhiteSpace(redis.Configuration) && (redis.IntegrityKey is null || redis.IntegrityKey.Length < 32))
        {
            context.Add("Gateway:Redis:IntegrityKey", "required with Redis, at least 32 characters, the same on every replica (set it from a secret, e.g. Gateway__Redis__IntegrityKey): it stops a writable Redis from injecting signing keys");
        }

        if (redis.OperationTimeout <= TimeSpan.Zero || redis.OperationTimeout > TimeSpan.FromSeconds(10))
        {
            context.Add("Gateway:Redis:OperationTimeout", "must be between 00:00:00.001 and 00:00:10");
        }

        if (string.IsNullOrEmpty(redis.KeyPrefix) || redis.KeyPrefix.Any(char.IsWhiteSpace))
        {
            context.Add("Gateway:Redis:KeyPrefix", "must be non-empty and without spaces");
        }

        ValidateTls(redis, context);
    }

    // A CA or client certificate without TLS would be silently ignored: the operator believes Redis is checked.
    private static void ValidateTls(RedisOptions redis, ConfigValidationContext context)
    {
        var files = new[] { ("CaCertificatePath", redis.CaCertificatePath), ("ClientCertificatePath", redis.ClientCertificatePath), ("ClientKeyPath", redis.ClientKeyPath) }
            .Where(file => file.Item2 is not null)
            .ToList();
        if (files.Count == 0)
        {
            return;
        }

        bool ssl;
        try
        {
            ssl = !string.IsNullOrWhiteSpace(redis.Configuration) && ConfigurationOptions.Parse(redis.Configuration).Ssl;
        }
        catch (ArgumentException)
        {
            return; // already reported on Gateway:Redis:Configuration
        }

        if (!ssl)
        {
            foreach (var (name, _) in files)
            {
                context.Add($"Gateway:Redis:{name}", "needs TLS: set ssl=true in Gateway:Redis:Configuration (without it the certificate would be ignored)");
            }

            return;
        }

        if (redis.CaCertificatePath is { } ca && BackchannelTrust.TryLoad(ca, out var caError) is null)
        {
            context.Add("Gateway:Redis:CaCertificatePath", caError!);
        }

        if ((redis.ClientCertificatePath is null) != (redis.ClientKeyPath is null))
        {
            if (redis.ClientCertificatePath is null)
            {
                context.Add("Gateway:Redis:ClientCertificatePath", "required with Gateway:Redis:ClientKeyPath");
            }
            else
            {
                context.Add("Gateway:Redis:ClientKeyPath", "required with Gateway:Redis:ClientCertificatePath (the PEM private key of the client certificate)");
            }
        }
        else if (redis.ClientCertificatePath is { } certificate)
        {
            using var loaded = RedisTls.TryLoadClientCertificate(certificate, redis.ClientKeyPath!, out var clientError);
            if (loaded is null)
            {
                context.Add("Gateway:Redis:ClientCertificatePath", clientError!);
            }
        }
    }
}
