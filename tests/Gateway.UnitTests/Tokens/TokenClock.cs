using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Tokens;

/// <summary>
/// Time for tokens validated in process. The gateway's <c>JsonWebTokenHandler</c> checks <c>exp</c> and <c>nbf</c>
/// against the wall clock, which a unit test cannot drive; so these tokens expire at <see cref="Expiry"/>, far past any
/// run, and carry no <c>nbf</c>, while all the test does drive (the validator's shape checks, the key manager, the token
/// cache) reads a <see cref="FakeTimeProvider"/> started at <see cref="Start"/>, an hour before.
/// </summary>
internal static class TokenClock
{
    public static readonly DateTimeOffset Start = new(2099, 12, 31, 23, 0, 0, TimeSpan.Zero);

    /// <summary>An hour after <see cref="Start"/>: where a token minted "now" for an hour expires.</summary>
    public static readonly DateTimeOffset Expiry = Start.AddHours(1);

    public static FakeTimeProvider Create() => new(Start);
}
