using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class RecentStepRateTests
{
    [Fact]
    public void The_rate_is_the_larger_of_the_mean_and_the_median_of_the_last_three_windows()
    {
        var rate = new RecentStepRate(capacity: 4);
        Assert.Null(rate.SecondsPerStep);
        rate.Add(10, 100);
        Assert.Equal(0.1, rate.SecondsPerStep!.Value, 12);
        rate.Add(30, 100); // two windows: the mean, 0.2
        Assert.Equal(0.2, rate.SecondsPerStep!.Value, 12);
        rate.Add(10, 100); // 0.1 0.3 0.1: median 0.1, mean 0.1667
        Assert.Equal(50.0 / 300, rate.SecondsPerStep!.Value, 12);
        rate.Add(30, 100); // 0.1 0.3 0.1 0.3: median of the last three 0.3
        Assert.Equal(0.3, rate.SecondsPerStep!.Value, 12);
        rate.Add(10, 100); // the first window leaves: 0.3 0.1 0.3 0.1, mean 0.2, median 0.1
        Assert.Equal(0.2, rate.SecondsPerStep!.Value, 12);
        rate.Add(40, 400); // the second leaves; windows weigh by their steps: (10 + 30 + 10 + 40) / 700, median 0.1
        Assert.Equal(90.0 / 700, rate.SecondsPerStep!.Value, 12);
        Assert.Equal(4, rate.Count);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(-1, 5)]
    [InlineData(double.NaN, 5)]
    public void Bad_windows_are_refused(double seconds, long steps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecentStepRate().Add(seconds, steps));

    [Fact]
    public void The_mean_spans_at_least_three_windows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecentStepRate(capacity: 2));

    // A budgeted run replayed as the trainer does it: a 20-step probe at probeRate makes the plan (95 steps per
    // epoch, 100 s budget), then windows of 5 steps at the given rates; returns the plan and the windows after
    // which it was re-sized.
    private static (TrainingPlan Plan, List<int> ResizedAt) Replay(double probeRate, IEnumerable<double> secondsPerStepByWindow)
    {
        var plan = TrainingPlan.ForBudget(100, 20 * probeRate, 20, probeRate, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        var rate = new RecentStepRate();
        rate.Add(20 * probeRate, 20);
        long steps = 20;
        double now = 20 * probeRate;
        var resizedAt = new List<int>();
        int window = 0;
        foreach (double perStep in secondsPerStepByWindow)
        {
            steps += 5;
            now += 5 * perStep;
            rate.Add(5 * perStep, 5);
            var next = plan.Replan(steps, now, rate.SecondsPerStep!.Value, 0);
            if (!ReferenceEquals(next, plan)) resizedAt.Add(window);
            plan = next;
            window++;
        }
        return (plan, resizedAt);
    }

    [Fact]
    public void Single_slow_windows_do_not_resize_the_plan_but_a_lasting_slowdown_does_within_two_windows()
    {
        // One window in eight at twice the time (another process waking for a moment); the probe measured the
        // average, 0.1125 s/step, so the plan (8 epochs, 760 steps, 85.5 s) has room for them.
        var spikes = Enumerable.Range(0, 148).Select(w => w % 8 == 7 ? 0.2 : 0.1).ToList();
        var first = TrainingPlan.ForBudget(100, 2.25, 20, 0.1125, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(760, first.TotalSteps);
        // Judged on the slow window alone, as before, the run would be cut at the first one (step 60, 6.8 s).
        Assert.NotSame(first, first.Replan(60, 6.8, 0.2, 0));

        var (kept, resizedBySpikes) = Replay(0.1125, spikes);
        Assert.Empty(resizedBySpikes);
        Assert.Equal(760, kept.TotalSteps);

        // Twice as slow from window 20 on (step 120): shortened at the second slow window, and only then.
        var (shortened, resizedBySlowdown) = Replay(0.1, Enumerable.Range(0, 100).Select(w => w < 20 ? 0.1 : 0.2));
        Assert.Equal([21], resizedBySlowdown);
        // At step 130 and 14 s: (95 - 14) / 0.2 = 405 more steps -> 535.
        Assert.Equal(535, shortened.TotalSteps);
    }
}
