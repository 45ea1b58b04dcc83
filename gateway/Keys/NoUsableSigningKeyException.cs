namespace Gateway.Keys;

/// <summary>
/// A key document that parsed but holds no key a signature could be verified with (only encryption,
/// symmetric or private keys, or key types the gateway does not verify with). Replacing good keys with
/// it would refuse every token, so it counts as a failed load: the last good keys stay.
/// </summary>
internal sealed class NoUsableSigningKeyException : FormatException
{
    public const string Description = "the JWKS holds no usable signing key";

    public NoUsableSigningKeyException()
        : base(Description)
    {
    }

    public NoUsableSigningKeyException(string message)
        : base(message)
    {
    }

    public NoUsableSigningKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
