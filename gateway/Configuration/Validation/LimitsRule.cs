namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Limits</c>: token size and shape bounds, and the Kestrel limits they must fit in.</summary>
internal sealed class LimitsRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var limits = context.Gateway.Limits;
        if (limits.MaxTokenLength is < 256 or > 65536)
        {
            context.Add("Gateway:Limits:MaxTokenLength", "must be between 256 and 65536");
        }

        ValueChecks.RequireRange(limits.MaxTokenHeaderBytes, 64, 16384, "Gateway:Limits:MaxTokenHeaderBytes", context);
        ValueChecks.RequireRange(limits.MaxTokenPayloadBytes, 64, 49152, "Gateway:Limits:MaxTokenPayloadBytes", context);
        ValueChecks.RequireRange(limits.MaxClaimDepth, 2, 64, "Gateway:Limits:MaxClaimDepth", context);
        if (!Enum.IsDefined(limits.PathNormalization))
        {
            context.Add("Gateway:Limits:PathNormalization", "must be Reject or Normalize");
        }

        ValueChecks.RequireRange(limits.MaxRequestHeadersTotalSize, 4096, 1024 * 1024, "Gateway:Limits:MaxRequestHeadersTotalSize", context);
        ValueChecks.RequireRange(limits.MaxRequestHeaderCount, 16, 1000, "Gateway:Limits:MaxRequestHeaderCount", context);
        ValueChecks.RequireRange(limits.MaxRequestLineSize, 1024, 64 * 1024, "Gateway:Limits:MaxRequestLineSize", context);
        if (limits.MaxRequestHeadersTotalSize < limits.MaxTokenLength + 1024)
        {
            context.Add("Gateway:Limits:MaxRequestHeadersTotalSize", "must leave room for a token of MaxTokenLength plus 1024 bytes of other headers");
        }

        if (limits.MaxRequestBodySize < 0)
        {
            context.Add("Gateway:Limits:MaxRequestBodySize", "must not be negative");
        }

        if (limits.MaxConcurrentConnections < 1)
        {
            context.Add("Gateway:Limits:MaxConcurrentConnections", "must be at least 1");
        }

        if (limits.MinRequestBodyDataRate < 0 || double.IsNaN(limits.MinRequestBodyDataRate))
        {
            context.Add("Gateway:Limits:MinRequestBodyDataRate", "must be 0 (off) or a positive number of bytes per second");
        }

        ValueChecks.RequirePositive(limits.RequestHeadersTimeout, "Gateway:Limits:RequestHeadersTimeout", context);
        ValueChecks.RequirePositive(limits.KeepAliveTimeout, "Gateway:Limits:KeepAliveTimeout", context);
    }
}
