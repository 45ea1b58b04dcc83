namespace Gateway.SenderConstraints;

/// <summary>What <see cref="DpopProofVerifier.Verify"/> found: a status and, for a valid proof, its id (for the replay check) and its nonce's age.</summary>
internal readonly record struct DpopProofResult(BindingStatus Status, UInt128 ProofId, TimeSpan NonceAge)
{
    public static DpopProofResult Failed(BindingStatus status) => new(status, default, default);
}
