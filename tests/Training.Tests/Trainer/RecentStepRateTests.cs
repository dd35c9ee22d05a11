using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class RecentStepRateTests
{
    [Fact]
    public void Over_a_long_rest_the_rate_is_the_mean_and_near_the_end_the_larger_of_the_mean_and_the_median_of_three()
    {
        var rate = new RecentStepRate(capacity: 4);
        Assert.Null(rate.For(10));
        rate.Add(10, 100);
        Assert.Equal(0.1, rate.For(1)!.Value, 12);
        rate.Add(30, 100); // two windows: the mean, 0.2, however short the rest
        Assert.Equal(0.2, rate.For(1)!.Value, 12);
        rate.Add(10, 100); // 0.1 0.3 0.1: median 0.1, mean 0.1667
        Assert.Equal(50.0 / 300, rate.For(1)!.Value, 12);
        rate.Add(30, 100); // 0.1 0.3 0.1 0.3: the mean 0.2 over a rest longer than the 400 steps held,
        Assert.Equal(0.2, rate.For(401)!.Value, 12);
        Assert.Equal(0.3, rate.For(400)!.Value, 12); // the median of the last three at the end
        rate.Add(10, 100); // the first window leaves: 0.3 0.1 0.3 0.1, mean 0.2, median 0.1
        Assert.Equal(0.2, rate.For(1)!.Value, 12);
        rate.Add(40, 400); // the second leaves; windows weigh by their steps: (10 + 30 + 10 + 40) / 700, median 0.1
        Assert.Equal(90.0 / 700, rate.For(1)!.Value, 12);
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

    // A budgeted run replayed as the trainer does it to its end: a 20-step probe at probeRate makes the plan (95 steps per
    // epoch, 100 s budget, 0 s evaluations), then windows of 5 steps at rateOfWindow(w) s/step; returns the final plan,
    // the windows after which it was shortened and those after which it was lengthened, and the time the last step ended.
    private static (TrainingPlan Plan, List<int> ShortenedAt, List<int> LengthenedAt, double End) Replay(double probeRate, Func<int, double> rateOfWindow)
    {
        var plan = TrainingPlan.ForBudget(100, 20 * probeRate, 20, probeRate, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        var rate = new RecentStepRate();
        rate.Add(20 * probeRate, 20);
        long steps = 20;
        double now = 20 * probeRate;
        List<int> shortenedAt = [], lengthenedAt = [];
        for (int window = 0; steps < plan.TotalSteps; window++)
        {
            int taken = (int)Math.Min(5, plan.TotalSteps - steps);
            double perStep = rateOfWindow(window);
            steps += taken;
            now += taken * perStep;
            rate.Add(taken * perStep, taken);
            var next = plan.Replan(steps, now, rate.For(plan.TotalSteps - steps)!.Value, 0);
            if (next.TotalSteps < plan.TotalSteps) shortenedAt.Add(window);
            if (next.TotalSteps > plan.TotalSteps) lengthenedAt.Add(window);
            plan = next;
        }
        return (plan, shortenedAt, lengthenedAt, now);
    }

    [Fact]
    public void Brief_bursts_do_not_shorten_the_plan()
    {
        // The probe measured 0.105 s/step: 9 epochs and 50 steps (905) in a 100 s budget (95.1 s usable), about 91 s at
        // the real 0.1, which is less than 10 % faster than the plan's rate: lengthened at the plan's rate, a few times,
        // as the reserve (5 % of the time left) shrinks, never shortened.
        var first = TrainingPlan.ForBudget(100, 2.1, 20, 0.105, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(905, first.TotalSteps);
        var (steady, shortenedSteady, lengthenedSteady, steadyEnd) = Replay(0.105, _ => 0.1);
        Assert.Empty(shortenedSteady);
        Assert.InRange(lengthenedSteady.Count, 1, 6);
        Assert.InRange(steadyEnd, 96, 100);
        Assert.Equal(0.105, steady.SecondsPerStep);

        // One window in eight at twice the time (another process waking for a moment), the probe at about their
        // average (0.11 s/step; 0.1125 on average): 9 epochs and 8 steps, never shortened, within the budget.
        var (kept, shortenedBySpikes, _, spikesEnd) = Replay(0.11, w => w % 8 == 7 ? 0.2 : 0.1);
        Assert.Empty(shortenedBySpikes);
        Assert.True(kept.TotalSteps >= 863, $"{kept.TotalSteps} steps");
        Assert.True(spikesEnd <= 100, $"ended at {spikesEnd} s");

        // Two windows at twice the time mid-run (steps 220-230, 23 s): laid over the whole rest, as a median of the
        // last three windows would, they would cut the run; the mean over an epoch keeps it, and the run loses only
        // the second the burst took (10 steps) against the steady one.
        Assert.NotSame(first, first.Replan(230, 25, 0.2, 0));
        var (kept2, shortenedByBurst, _, burstEnd) = Replay(0.105, w => w is 40 or 41 ? 0.2 : 0.1);
        Assert.Empty(shortenedByBurst);
        Assert.InRange(kept2.TotalSteps, steady.TotalSteps - 20, steady.TotalSteps);
        Assert.True(burstEnd <= 100, $"ended at {burstEnd} s");
    }

    [Fact]
    public void A_machine_twice_as_fast_after_the_probe_gets_a_longer_run_in_a_few_steps()
    {
        // The probe ran at 0.2 s/step (5 epochs, 475 steps); from window 20 on every step takes 0.1 s. Held to the
        // first plan the run would end at about 72 s of the 100; it is lengthened past it each time the mean over an
        // epoch's windows is 10 % faster than the rate of the last plan (5 times while the mean catches up), then at
        // that rate as the reserve shrinks (by at least a twentieth of the steps left each time), and ends within the
        // budget less twice its least reserve: a dozen re-plans in 170 windows, not every window.
        var (longer, shortened, lengthened, end) = Replay(0.2, w => w < 20 ? 0.2 : 0.1);
        Assert.Empty(shortened);
        Assert.InRange(lengthened.Count, 2, 15);
        Assert.True(longer.TotalSteps > 800, $"{longer.TotalSteps} steps");
        Assert.InRange(end, 96, 100);
    }

    [Fact]
    public void A_lasting_slowdown_shortens_the_run_and_it_still_ends_within_the_budget()
    {
        // Twice as slow from window 20 (step 120) to the end: shortened a few times as the mean over an epoch catches
        // up with the slower rate, never lengthened, and ends in time (at the budget: the last shortening, on a mean
        // still 5 % short of the new rate, left the run in the band between the reserve and the budget).
        var (midway, shortenedMidway, lengthenedMidway, midwayEnd) = Replay(0.1, w => w < 20 ? 0.1 : 0.2);
        Assert.NotEmpty(shortenedMidway);
        Assert.Empty(lengthenedMidway);
        Assert.True(midway.TotalSteps < 950);
        Assert.True(midwayEnd <= 100 + 1e-9, $"ended at {midwayEnd} s, past the 100 s budget");

        // Twice as slow from window 170 (step 870, 87 s) to the end: the mean over an epoch would notice too late (after
        // two slow windows it is 0.11 s/step, not behind); the median of the last three windows, used once the rest is
        // within an epoch, shortens the run at the second slow window.
        var (late, shortenedLate, _, lateEnd) = Replay(0.1, w => w < 170 ? 0.1 : 0.2);
        Assert.Equal(171, Assert.Single(shortenedLate));
        Assert.True(late.TotalSteps < 950);
        Assert.True(lateEnd <= 100, $"ended at {lateEnd} s, past the 100 s budget");
    }
}
