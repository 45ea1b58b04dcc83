namespace Gateway.Configuration;

/// <summary>What the gateway does with path segment forms that downstream servers normalize away (<c>;params</c>, trailing dots, whitespace).</summary>
internal enum PathNormalization
{
    /// <summary>Refuse the request (400) before routing. The default.</summary>
    Reject,

    /// <summary>Strip <c>;params</c> and trim trailing dots and whitespace in every segment before routing; the normalized path is routed, judged and forwarded.</summary>
    Normalize,
}
