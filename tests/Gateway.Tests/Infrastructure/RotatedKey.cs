namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A key published by <see cref="TestIdentityProvider.RotateInRsaKey"/> for the length of an <c>await using</c> scope:
/// disposing it withdraws the key from the identity provider's JWKS (the gateway notices at its next key load).
/// </summary>
public sealed class RotatedKey(TestIdentityProvider idp, SigningKey key) : IAsyncDisposable
{
    public SigningKey Key => key;

    public string Kid => key.Kid;

    public ValueTask DisposeAsync()
    {
        idp.Unpublish(key.Kid);
        return ValueTask.CompletedTask;
    }
}
