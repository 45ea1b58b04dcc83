namespace Gateway.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or the time is up (then the test fails with the message).</summary>
public static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string message) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, message);

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // a listener that is not up yet counts as "not yet"
            }

            await Task.Delay(50);
        }

        Assert.Fail(message);
    }
}
