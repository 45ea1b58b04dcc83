namespace Gateway.Tokens;

/// <summary>What <see cref="TokenShapeInspector"/> enforces for one issuer: global size limits plus the issuer's own rules.</summary>
internal sealed record TokenShapeRules
{
    public static TokenShapeRules Default { get; } = new();

    /// <summary>Largest decoded header, in bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 1024;

    /// <summary>Largest decoded payload, in bytes.</summary>
    public int MaxPayloadBytes { get; init; } = 6144;

    /// <summary>Deepest nesting of objects and arrays (the root object counts as 1).</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>Required <c>typ</c> (e.g. <c>at+jwt</c>), or null for any.</summary>
    public string? RequiredType { get; init; }

    /// <summary>Longest accepted <c>exp</c> − <c>iat</c>, or null for no limit.</summary>
    public TimeSpan? MaxLifetime { get; init; }

    /// <summary>Tolerance for <c>iat</c> in the future.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);
}
