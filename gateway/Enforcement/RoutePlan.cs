using Gateway.Forwarding;
using Gateway.Policies;

namespace Gateway.Enforcement;

/// <summary>Everything the enforcement middleware needs for one route, compiled at configuration load.</summary>
public sealed record RoutePlan(string RouteId, CompiledPolicy Policy, ClaimHeaderPlan ClaimHeaders);
