using Gateway.Tokens;

namespace Gateway.Forwarding;

/// <summary>One header set from one verified claim.</summary>
internal sealed record ClaimHeaderMapping(string Header, ClaimPath Claim);
