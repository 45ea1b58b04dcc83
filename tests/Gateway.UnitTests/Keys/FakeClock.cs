using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Keys;

internal static class FakeClock
{
    /// <summary>
    /// Moves the clock on in <paramref name="step"/>s until <paramref name="task"/> ends, at most <paramref name="limit"/> of
    /// clock time. Between steps the thread pool gets a moment (at most 10 ms, less when the task ends) to run what the step
    /// released: a hand-off, not a timing assumption: the fake clock alone decides when the code under test times out.
    /// </summary>
    public static async Task<T> RunUntilDoneAsync<T>(this FakeTimeProvider time, Task<T> task, TimeSpan step, TimeSpan limit)
    {
        var end = time.GetUtcNow() + limit;
        while (!task.IsCompleted && time.GetUtcNow() < end)
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(10));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10)); // bounded: a bug must fail the test, not hang the run
    }

    public static async Task RunUntilDoneAsync(this FakeTimeProvider time, Task task, TimeSpan step, TimeSpan limit)
    {
        var end = time.GetUtcNow() + limit;
        while (!task.IsCompleted && time.GetUtcNow() < end)
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(10));
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits (bounded) for work the test started on the thread pool to reach a point the test can observe.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(1); // a thread-pool hand-off, not a timing assumption: the condition decides
        }
    }
}
