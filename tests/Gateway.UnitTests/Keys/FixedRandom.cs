namespace Gateway.UnitTests.Keys;

/// <summary>A <see cref="Random"/> whose every draw is <paramref name="value"/>: pins the backoff's jitter to one end of its range.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;
}
