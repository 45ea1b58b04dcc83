namespace Gateway.Redis;

/// <summary>
/// The message on <c>{prefix}keys-changed</c> after a replica published keys: <c>"{issuer}\n{source}\n{replica}"</c>,
/// where replica is the publisher's random instance id, so a replica can ignore its own notices. A notice from a version
/// that did not send the replica id (<c>"{issuer}\n{source}"</c>) is still understood (a rolling upgrade). Neither an
/// issuer name nor a source address (a URL or <c>file:</c>/<c>inline:</c> address) contains a line break.
/// </summary>
internal static class ChangeNotice
{
    public static string Format(string issuerName, string sourceAddress, string replicaId) => $"{issuerName}\n{sourceAddress}\n{replicaId}";

    /// <summary>
    /// Reads a notice another replica sent: false for a malformed message and for this replica's own notice (the keys it
    /// announces are the ones this replica just applied: reloading them from Redis would be a wasted read).
    /// </summary>
    public static bool TryReadFromPeer(string message, string ownReplicaId, out string issuerName, out string sourceAddress) =>
        TryParse(message, out issuerName, out sourceAddress, out var replicaId) && replicaId != ownReplicaId;

    public static bool TryParse(string message, out string issuerName, out string sourceAddress, out string? replicaId)
    {
        ArgumentNullException.ThrowIfNull(message);
        issuerName = sourceAddress = "";
        replicaId = null;
        var first = message.IndexOf('\n', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        issuerName = message[..first];
        var rest = message[(first + 1)..];
        var second = rest.IndexOf('\n', StringComparison.Ordinal);
        sourceAddress = second < 0 ? rest : rest[..second];
        replicaId = second < 0 ? null : rest[(second + 1)..];
        return sourceAddress.Length > 0;
    }
}
