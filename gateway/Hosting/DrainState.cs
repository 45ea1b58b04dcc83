namespace Gateway.Hosting;

/// <summary>Set once the host begins to stop (SIGTERM): readiness answers 503 from then on.</summary>
internal sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void BeginDraining() => _draining = true;
}
