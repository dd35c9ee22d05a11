using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class TrainingPlanTests
{
    [Fact]
    public void Budget_buys_as_many_whole_epochs_as_fit_with_evaluation_and_checkpoints()
    {
        // 1000 s budget (950 usable), 10 s spent on 20 steps of 0.5 s; an epoch = 100 steps (50 s) + evaluation 10 s + 2 checkpoints of 1 s.
        var plan = TrainingPlan.ForBudget(1000, elapsedSeconds: 10, stepsDone: 20, secondsPerStep: 0.5,
            evaluationSeconds: 10, checkpointSeconds: 1, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 1);

        Assert.Equal(15, plan.Epochs); // (950 - 10 + 20 * 0.5) / 62 = 15.3
        Assert.Equal(100, plan.StepsPerEpoch);
        Assert.Equal(100, plan.WarmupSteps);
        Assert.Equal(1500, plan.TotalSteps);
        Assert.Equal(10 + 1480 * 0.5 + 15 * 10 + 15 * 2 * 1, plan.PlannedSeconds!.Value, 9);
        Assert.True(plan.PlannedSeconds <= 950, "the plan fits the budget less its margin");
        Assert.True(plan.PlannedSeconds + 62 > 950, "one more epoch would not fit");
        Assert.Equal(10 + 80 * 0.5 + 10, plan.PlannedSecondsAfterEvaluation(1)!.Value, 9);
    }

    [Fact]
    public void Epochs_are_capped_and_warm_up_is_at_most_a_fifth_of_the_schedule()
    {
        var capped = TrainingPlan.ForBudget(1000, 0, 0, 0.5, 0, 0, stepsPerEpoch: 100, maxEpochs: 5, warmupEpochs: 1);
        Assert.Equal(5, capped.Epochs);

        var shortRun = TrainingPlan.ForBudget(200, 0, 0, 0.5, 0, 0, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 2);
        Assert.Equal(3, shortRun.Epochs); // 190 / 50
        Assert.Equal(60, shortRun.WarmupSteps); // 2 epochs asked, a fifth of 300 steps given
    }

    [Fact]
    public void A_budget_shorter_than_an_epoch_gets_one_shortened_epoch()
    {
        // 95 s usable, 10 s spent on 20 steps; evaluation + checkpoints 12 s; a full epoch would take 500 s.
        var plan = TrainingPlan.ForBudget(100, 10, 20, 0.5, 10, 1, stepsPerEpoch: 1000, maxEpochs: 100, warmupEpochs: 1);

        Assert.Equal(1, plan.Epochs);
        Assert.Equal(20 + 146, plan.StepsPerEpoch); // (95 - 10 - 12) / 0.5 more steps
        Assert.Equal(33, plan.WarmupSteps);
        Assert.InRange(plan.PlannedSeconds!.Value, 90, 95);
    }

    [Fact]
    public void A_spent_budget_keeps_the_steps_taken()
    {
        var plan = TrainingPlan.ForBudget(10, 30, 40, 0.5, 5, 1, stepsPerEpoch: 1000, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(1, plan.Epochs);
        Assert.Equal(40, plan.StepsPerEpoch);
    }

    [Fact]
    public void Replanning_shortens_a_run_that_fell_behind_and_keeps_one_that_did_not()
    {
        var plan = TrainingPlan.ForBudget(100, 0, 0, 0.1, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(10, plan.Epochs);
        Assert.Equal(950, plan.TotalSteps);

        Assert.Same(plan, plan.Replan(stepsDone: 190, elapsedSeconds: 19, secondsPerStep: 0.1, epochOverheadSeconds: 0));

        // Twice as slow from step 190 at 40 s: (95 - 40) / 0.2 = 275 more steps -> 465 = 4 whole epochs + 85 steps.
        var slower = plan.Replan(190, 40, 0.2, 0);
        Assert.Equal(5, slower.Epochs);
        Assert.Equal(85, slower.StepsIn(4));
        Assert.Equal(95, slower.StepsIn(3));
        Assert.Equal(465, slower.TotalSteps);
        Assert.Equal(1, slower.Replans);

        // Evaluations cost too: 3 more at 5 s leave 40 s = 200 steps -> 390.
        Assert.Equal(390, plan.Replan(190, 40, 0.2, 5).TotalSteps);
        // Mid-epoch (step 200, in the third epoch): 35 s = 175 steps -> 375 = 3 epochs + 90.
        var midEpoch = plan.Replan(200, 60, 0.2, 0);
        Assert.Equal((4, 90), (midEpoch.Epochs, midEpoch.StepsIn(3)));
        // Nothing fits: one more step, so the schedule still ends.
        var spent = plan.Replan(190, 99, 0.2, 0);
        Assert.Equal((3, 1, 191L), (spent.Epochs, spent.StepsIn(2), spent.TotalSteps));

        Assert.Same(plan, plan.Replan(950, 200, 1, 0));
        var fixedPlan = TrainingPlan.Fixed(10, 95, 1);
        Assert.Same(fixedPlan, fixedPlan.Replan(2, 1e6, 1e6, 0));
        Assert.Null(fixedPlan.PlannedSeconds);
    }

    [Fact]
    public void Replanning_lengthens_a_shortened_run_again_when_the_machine_gets_faster_but_never_past_the_first_plan()
    {
        var plan = TrainingPlan.ForBudget(100, 0, 0, 0.1, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(950, plan.MaxTotalSteps);
        var slower = plan.Replan(190, 40, 0.2, 0);
        Assert.Equal(465, slower.TotalSteps);

        // Back at 0.1 s/step at step 300 and 51 s: 44 s = 440 steps -> 740 = 7 whole epochs + 75.
        var faster = slower.Replan(300, 51, 0.1, 0);
        Assert.Equal((8, 75, 740L), (faster.Epochs, faster.StepsIn(7), faster.TotalSteps));
        Assert.Equal(2, faster.Replans);
        // Much faster: the first plan's 950 steps, not more, although 1,500 would fit.
        Assert.Equal(950, slower.Replan(300, 41, 0.01, 0).TotalSteps);
        // Evaluations still to come are paid for: at 8 s each, 7 more epochs (56 s) do not fit in 54 s, 6 do -> 9 epochs.
        Assert.Equal(855, slower.Replan(300, 41, 0.01, 8).TotalSteps);
        // Less than a twentieth of an epoch (4 steps) more: the plan stays, so it does not swing.
        Assert.Same(slower, slower.Replan(300, 95 - 0.1 * 168, 0.1, 0));
        // Inside the band between the margin and the whole budget: neither shortened nor lengthened.
        Assert.Same(slower, slower.Replan(300, 80, 0.1, 0));
        // A plan stored before re-planning could lengthen (no ceiling recorded) is never lengthened.
        var stored = slower with { MaxTotalSteps = 0 };
        Assert.Same(stored, stored.Replan(300, 51, 0.1, 0));
    }

    [Fact]
    public void The_schedule_of_a_shortened_plan_still_reaches_its_end()
    {
        var plan = TrainingPlan.ForBudget(100, 0, 0, 0.1, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 1).Replan(200, 60, 0.2, 0);
        var schedule = new LearningRateSchedule(new TrainerOptions { LearningRate = 0.1, Epochs = 100 }, plan);
        Assert.True(schedule.At(plan.TotalSteps - 1) < 0.1 * 0.001);
        Assert.True(schedule.At(200) > 0.01);
    }

    [Theory]
    [InlineData(LearningRateScheduleKind.Cosine, 1)]
    [InlineData(LearningRateScheduleKind.Cosine, 0)]
    public void The_schedule_of_a_budgeted_plan_reaches_its_end_on_the_last_planned_step(LearningRateScheduleKind kind, int warmupEpochs)
    {
        var plan = TrainingPlan.ForBudget(200, 0, 0, 0.5, 0, 0, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: warmupEpochs);
        var schedule = new LearningRateSchedule(new TrainerOptions { LearningRate = 0.1, Schedule = kind, Epochs = 100 }, plan);

        double last = schedule.At(plan.TotalSteps - 1);
        Assert.True(last < 0.1 * 0.001, $"the last step's rate {last} is not the end of the schedule");
        double peak = Enumerable.Range(0, (int)plan.TotalSteps).Max(s => schedule.At(s));
        Assert.Equal(0.1, peak, 9);
    }

    [Theory]
    [InlineData(0, 0, 0, 0.5, "budgetSeconds")]
    [InlineData(10, -1, 0, 0.5, "elapsedSeconds")]
    [InlineData(10, 0, 0, 0, "secondsPerStep")]
    [InlineData(10, 0, 0, double.NaN, "secondsPerStep")]
    public void Bad_measurements_are_named(double budget, double elapsed, long done, double perStep, string named)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlan.ForBudget(budget, elapsed, done, perStep, 0, 0, 10, 10, 0));
        Assert.Equal(named, e.ParamName);
    }
}
