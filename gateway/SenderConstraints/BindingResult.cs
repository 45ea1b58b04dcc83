namespace Gateway.SenderConstraints;

/// <summary>
/// The sender-constraint check of one request: its status, the binding that was checked (<c>dpop</c>, <c>mtls</c>,
/// <c>dpop+mtls</c>, or null for a bearer token), and a fresh DPoP nonce to send (<c>DPoP-Nonce</c>) when nonces are
/// required and the proof's was missing or ageing.
/// </summary>
internal readonly record struct BindingResult(BindingStatus Status, string? Binding, string? FreshNonce = null)
{
    public static BindingResult Bearer { get; } = new(BindingStatus.Valid, null);

    public bool IsValid => Status == BindingStatus.Valid;
}
