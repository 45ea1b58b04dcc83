using Gateway.Hosting;

namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Backchannel:CaBundlePath</c>: a CA bundle the gateway can load (it trusts the identity providers' TLS).</summary>
internal sealed class BackchannelRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        if (context.Gateway.Backchannel.CaBundlePath is not { } path)
        {
            return;
        }

        if (BackchannelTrust.TryLoad(path, out var error) is null)
        {
            context.Add("Gateway:Backchannel:CaBundlePath", error!);
        }
    }
}
