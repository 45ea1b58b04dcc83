namespace Gateway.Observability;

/// <summary>Names of the gateway's telemetry sources, public so hosts can subscribe to them.</summary>
public static class GatewayDiagnostics
{
    public const string ActivitySourceName = "JwtGateway";
    public const string MeterName = "JwtGateway";
}
