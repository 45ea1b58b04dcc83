namespace Gateway.Configuration;

/// <summary>Decision explanations for operators (<c>Gateway:Diagnostics</c>, see docs/operations.md).</summary>
internal sealed record DiagnosticsOptions
{
    /// <summary>
    /// Adds the failed requirement (its configuration path and what it asks for, never a claim value) to the problem
    /// JSON of a 403 answer. It tells a client how the policy is built: Development environment only. Default false.
    /// Hot-reloadable. Refusal log lines always carry the failed requirement, whatever this says.
    /// </summary>
    public bool ExplainDenials { get; init; }

    /// <summary>The operator dashboard on the management listener.</summary>
    public DashboardOptions Dashboard { get; init; } = new();
}

/// <summary>The operator dashboard (<c>Gateway:Diagnostics:Dashboard</c>). Switched on at startup only; switching it off and the key follow reloads.</summary>
internal sealed record DashboardOptions
{
    /// <summary>Path of the dashboard on the management listener.</summary>
    public const string Path = "/dashboard";

    /// <summary>Serves the dashboard at <see cref="Path"/> on the management listener (requires <c>Gateway:Management:Url</c>). Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Credential of the dashboard (HTTP Basic with any user name and this as the password, or <c>Authorization: Bearer KEY</c>),
    /// at least 32 characters. Required outside the Development environment. Supply it from a secret
    /// (<c>Gateway__Diagnostics__Dashboard__ApiKey</c>).
    /// </summary>
    public string? ApiKey { get; init; }
}
