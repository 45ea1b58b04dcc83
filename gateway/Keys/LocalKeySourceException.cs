namespace Gateway.Keys;

/// <summary>
/// A local key source (a JWKS file, or inline JWKS) that could not be read or broke a <see cref="LocalJwks"/> rule.
/// The message is a fixed sentence (the file's path and the rule broken, never its content), safe for logs and
/// readiness; <see cref="Reason"/> is the metric label.
/// </summary>
internal sealed class LocalKeySourceException : Exception
{
    public LocalKeySourceException(string reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public LocalKeySourceException()
        : this("invalid", "the local JWKS was refused")
    {
    }

    public LocalKeySourceException(string message)
        : this("invalid", message)
    {
    }

    public LocalKeySourceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "invalid";
    }

    /// <summary><c>unreadable</c> (missing, not readable, too large) or <c>invalid</c> (a <see cref="LocalJwks"/> rule).</summary>
    public string Reason { get; }
}
