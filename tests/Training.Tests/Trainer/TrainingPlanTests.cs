using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class TrainingPlanTests
{
    [Fact]
    public void Budget_buys_as_many_whole_epochs_as_fit_and_a_shorter_last_one_in_what_they_leave()
    {
        // 1000 s budget, 10 s spent on 20 steps of 0.5 s: 5 % of the 990 s left in reserve, 950.5 s usable; an epoch =
        // 100 steps (50 s) + evaluation 10 s + 2 checkpoints of 1 s.
        var plan = TrainingPlan.ForBudget(1000, elapsedSeconds: 10, stepsDone: 20, secondsPerStep: 0.5,
            evaluationSeconds: 10, checkpointSeconds: 1, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 1);

        // (950.5 - 10 + 20 * 0.5) / 62 = 15.3 whole epochs; the 20.5 s they leave pay one more evaluation and its
        // checkpoints (12 s) and 17 steps (8.5 s).
        Assert.Equal(49.5, TrainingPlan.ReserveSeconds(1000, 10), 9);
        Assert.Equal(16, plan.Epochs);
        Assert.Equal(100, plan.StepsPerEpoch);
        Assert.Equal(100, plan.StepsIn(14));
        Assert.Equal(17, plan.StepsIn(15));
        Assert.Equal(100, plan.WarmupSteps);
        Assert.Equal(1517, plan.TotalSteps);
        Assert.Equal("16 epochs of 100 steps, the last of 17", plan.Shape);
        Assert.Equal(1517, plan.MaxTotalSteps);
        Assert.Equal(100, plan.MaxEpochs);
        Assert.Equal(10 + 1497 * 0.5 + 16 * 10 + 16 * 2 * 1, plan.PlannedSeconds!.Value, 9);
        Assert.True(plan.PlannedSeconds <= 950.5, "the plan fits the budget less its reserve");
        Assert.True(plan.PlannedSeconds + 0.5 > 950.5, "one more step would not fit");
        Assert.Equal(10 + 80 * 0.5 + 10, plan.PlannedSecondsAfterEvaluation(1)!.Value, 9);
        Assert.Equal(plan.PlannedSeconds, plan.FirstPlannedSeconds);
        Assert.Equal(plan.PlannedSeconds, plan.PlannedSecondsAtStart);

        // Less than a twentieth of an epoch (5 steps) left over: whole epochs only. 6.5 s less usable: the 14 s left pay
        // the 12 s of an evaluation and its checkpoints and 4 steps.
        var tight = TrainingPlan.ForBudget(1000 - 6.5 / 0.95, 10, 20, 0.5, 10, 1, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 1);
        Assert.Equal(15, tight.Epochs);
        Assert.Equal(1500, tight.TotalSteps);
        Assert.Equal(100, tight.StepsIn(14));
        Assert.Equal("15 epochs of 100 steps", tight.Shape);
    }

    [Theory]
    [InlineData(1, new[] { true, true, true, true, true })]
    [InlineData(2, new[] { false, true, false, true, true })]
    [InlineData(3, new[] { false, false, true, false, true })]
    [InlineData(5, new[] { false, false, false, false, true })]
    [InlineData(0, new[] { false, false, false, false, true })]
    public void Evaluated_epochs_are_every_nth_and_the_last(int every, bool[] expected)
    {
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(e => TrainingPlan.Evaluates(e, 5, every)));
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(TrainingPlan.Fixed(5, 10, 0, every).Evaluates));
    }

    [Theory]
    [InlineData(1, 6, 100, 600, 950 - 50)]  // 6 epochs of 100 s + 50 s of evaluation each
    [InlineData(2, 8, 50, 750, 950)]        // epochs 2, 4, 6 and 8 (of 50 steps) evaluated
    [InlineData(0, 9, 100, 900, 950)]       // only the ninth evaluated
    public void Epochs_without_an_evaluation_are_planned_as_training_steps(int every, int epochs, int lastSteps, long totalSteps, double planned)
    {
        // 1000 s budget, 50 s of reserve; an epoch is 100 steps of 1 s, an evaluation 50 s, checkpoints free.
        var plan = TrainingPlan.ForBudget(1000, elapsedSeconds: 0, stepsDone: 0, secondsPerStep: 1,
            evaluationSeconds: 50, checkpointSeconds: 0, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 1, evaluateEvery: every);

        Assert.Equal((every, epochs, lastSteps, totalSteps), (plan.EvaluateEvery, plan.Epochs, plan.StepsIn(plan.Epochs - 1), plan.TotalSteps));
        Assert.Equal(planned, plan.PlannedSeconds!.Value, 9);
    }

    [Fact]
    public void Budgeted_plans_count_each_evaluation_and_checkpoint_they_make_and_buy_no_fewer_steps_with_fewer_evaluations()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            double budget = 60 + random.NextDouble() * 3000, perStep = 0.01 + random.NextDouble(), evaluation = random.NextDouble() * 60;
            double checkpoint = random.NextDouble() * 3;
            int stepsPerEpoch = random.Next(1, 400), maxEpochs = random.Next(1, 60);
            long everyEpochSteps = 0;
            foreach (int every in new[] { 1, 2, 3, 7, 0 })
            {
                var plan = TrainingPlan.ForBudget(budget, 0, 0, perStep, evaluation, checkpoint, stepsPerEpoch, maxEpochs, 0, every);
                // What the plan makes, summed epoch by epoch: its steps, an evaluation and two checkpoints after each
                // evaluated epoch, one checkpoint after the others.
                double made = plan.TotalSteps * perStep + Enumerable.Range(0, plan.Epochs).Sum(e =>
                    TrainingPlan.Evaluates(e, plan.Epochs, every) ? evaluation + TrainingPlan.CheckpointsPerEpoch * checkpoint : checkpoint);
                string what = $"trial {trial}, every {every}: {plan.Shape}";
                Assert.Equal(made, plan.PlannedSeconds!.Value, 6);
                if (plan.TotalSteps > stepsPerEpoch || plan.Epochs > 1)
                    Assert.True(made <= budget - TrainingPlan.ReserveSeconds(budget, 0) + 1e-9, $"{what}: {made} s planned");
                if (every == 1) everyEpochSteps = plan.TotalSteps;
                else Assert.True(plan.TotalSteps >= everyEpochSteps, $"{what}: {plan.TotalSteps} steps, {everyEpochSteps} evaluating every epoch");
            }
        }
    }

    [Fact]
    public void Replanning_counts_only_the_evaluations_left()
    {
        // Nine epochs of 100 one-second steps and one 50 s evaluation fill the 950 s a 1000 s budget leaves.
        var plan = TrainingPlan.ForBudget(1000, 0, 0, 1, 50, 0, stepsPerEpoch: 100, maxEpochs: 9, warmupEpochs: 0, evaluateEvery: 0);
        Assert.Equal(900, plan.TotalSteps);

        // On time after 3 epochs: kept. Counting an evaluation after each of the six epochs left, it would be behind.
        Assert.Same(plan, plan.Replan(300, 300, 1.0, 50));
        var everyEpoch = plan with { EvaluateEvery = 1 };
        Assert.True(everyEpoch.Replan(300, 300, 1.0, 50).TotalSteps < 900);
    }

    [Fact]
    public void Epochs_are_capped_and_warm_up_is_at_most_a_fifth_of_the_schedule()
    {
        var capped = TrainingPlan.ForBudget(1000, 0, 0, 0.5, 0, 0, stepsPerEpoch: 100, maxEpochs: 5, warmupEpochs: 1);
        Assert.Equal(5, capped.Epochs);
        Assert.Equal(500, capped.TotalSteps);

        var shortRun = TrainingPlan.ForBudget(200, 0, 0, 0.5, 0, 0, stepsPerEpoch: 100, maxEpochs: 100, warmupEpochs: 2);
        Assert.Equal(4, shortRun.Epochs); // 190 / 50: 3 whole epochs and 80 steps
        Assert.Equal(80, shortRun.StepsIn(3));
        Assert.Equal(76, shortRun.WarmupSteps); // 2 epochs asked, a fifth of 380 steps given
    }

    [Fact]
    public void A_budget_shorter_than_an_epoch_gets_one_shortened_epoch()
    {
        // 95.5 s usable (5 % of the 90 s left in reserve), 10 s spent on 20 steps; evaluation + checkpoints 12 s; a full
        // epoch would take 500 s.
        var plan = TrainingPlan.ForBudget(100, 10, 20, 0.5, 10, 1, stepsPerEpoch: 1000, maxEpochs: 100, warmupEpochs: 1);

        Assert.Equal(1, plan.Epochs);
        Assert.Equal(20 + 147, plan.StepsPerEpoch); // (95.5 - 10 - 12) / 0.5 more steps
        Assert.Equal(33, plan.WarmupSteps);
        Assert.InRange(plan.PlannedSeconds!.Value, 90, 95.5);
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

        // 0.7 s late at step 190: the reserve, now 5 % of the 80.3 s left, frees 2 steps, fewer than a twentieth of an
        // epoch (4) and of the 760 steps left (38): the plan stays.
        Assert.Same(plan, plan.Replan(stepsDone: 190, elapsedSeconds: 19.7, secondsPerStep: 0.1, epochOverheadSeconds: 0));

        // Twice as slow from step 190 at 42 s: (100 - 0.05 * 58 - 42) / 0.2 = 275 more steps -> 465 = 4 whole epochs + 85 steps.
        var slower = plan.Replan(190, 42, 0.2, 0);
        Assert.Equal(5, slower.Epochs);
        Assert.Equal(85, slower.StepsIn(4));
        Assert.Equal(95, slower.StepsIn(3));
        Assert.Equal(465, slower.TotalSteps);
        Assert.Equal(1, slower.Replans);
        // The report's planned time stays the first plan's: the shortened plan's own figure is its fewer steps at the
        // first plan's rate, which the machine no longer runs at.
        Assert.Equal(plan.PlannedSeconds, slower.PlannedSecondsAtStart);
        Assert.True(slower.PlannedSeconds < slower.PlannedSecondsAtStart - 40, $"{slower.PlannedSeconds} s");
        Assert.Equal(0.1, slower.SecondsPerStep); // shortening keeps the plan's rate: bursts only slow a machine
        Assert.Equal(slower.PlannedSeconds, (slower with { FirstPlannedSeconds = null }).PlannedSecondsAtStart);

        // Evaluations cost too: 3 more at 5 s leave 40.1 s = 200 steps -> 390.
        Assert.Equal(390, plan.Replan(190, 42, 0.2, 5).TotalSteps);
        // Mid-epoch (step 200, in the third epoch) at 63 s: 35.15 s = 175 steps -> 375 = 3 epochs + 90.
        var midEpoch = plan.Replan(200, 63, 0.2, 0);
        Assert.Equal((4, 90), (midEpoch.Epochs, midEpoch.StepsIn(3)));
        // A later last epoch shorter than a twentieth of an epoch (4 steps) is dropped: at 59.5 s, 38.475 s = 192 steps
        // -> 382 would be 4 epochs and 2 steps, an evaluation for 2 steps; 4 whole epochs instead. 4 steps (384, at
        // 59.1 s) keep their epoch.
        var noTail = plan.Replan(190, 59.5, 0.2, 0);
        Assert.Equal((4, 380L, "4 epochs of 95 steps"), (noTail.Epochs, noTail.TotalSteps, noTail.Shape));
        var shortTail = plan.Replan(190, 59.1, 0.2, 0);
        Assert.Equal((5, 4, 384L), (shortTail.Epochs, shortTail.StepsIn(4), shortTail.TotalSteps));
        // The epoch in progress may still end short: at step 191 with 0.5 s left within the least reserve (2 s), 2 more
        // steps -> 3 epochs, the last of 3.
        var inProgress = plan.Replan(191, 97.5, 0.2, 0);
        Assert.Equal((3, 3, 193L), (inProgress.Epochs, inProgress.StepsIn(2), inProgress.TotalSteps));
        // Nothing fits: one more step, so the schedule still ends.
        var spent = plan.Replan(190, 99, 0.2, 0);
        Assert.Equal((3, 1, 191L), (spent.Epochs, spent.StepsIn(2), spent.TotalSteps));

        Assert.Same(plan, plan.Replan(950, 200, 1, 0));
        var fixedPlan = TrainingPlan.Fixed(10, 95, 1);
        Assert.Same(fixedPlan, fixedPlan.Replan(2, 1e6, 1e6, 0));
        Assert.Null(fixedPlan.PlannedSeconds);
        Assert.Null(fixedPlan.PlannedSecondsAtStart);
    }

    [Fact]
    public void Replanning_lengthens_a_shortened_run_again_at_the_plans_rate_and_at_a_faster_one_only_when_clearly_faster()
    {
        var plan = TrainingPlan.ForBudget(100, 0, 0, 0.1, 0, 0, stepsPerEpoch: 95, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(950, plan.MaxTotalSteps);
        var slower = plan.Replan(190, 42, 0.2, 0);
        Assert.Equal(465, slower.TotalSteps);

        // Back at 0.1 s/step at step 300 and 51 s: 46.55 s (5 % of the 49 s left in reserve) = 465 steps -> 765 = 8 whole
        // epochs + 5.
        var faster = slower.Replan(300, 51, 0.1, 0);
        Assert.Equal((9, 5, 765L), (faster.Epochs, faster.StepsIn(8), faster.TotalSteps));
        Assert.Equal(2, faster.Replans);
        Assert.Equal(0.1, faster.SecondsPerStep);
        // Back at 0.095 s/step, 5 % faster than the plan's 0.1: sized at the plan's rate (63.65 s = 636 steps -> 936),
        // not the recent one (670 steps -> 970).
        Assert.Equal(936, slower.Replan(300, 33, 0.095, 0).TotalSteps);
        // 8 % faster than the plan's 0.1 s/step for 600 steps (55 s, not 60): sized at the plan's rate from here (42.75 s
        // usable = 427 steps -> 1,027), and made again from here, so its planned time stays within the budget less its
        // reserve (from the old point it would say 102.7 s of the 100).
        var ahead = plan.Replan(600, 55, 0.092, 0);
        Assert.Equal(1027, ahead.TotalSteps);
        Assert.Equal((0.1, 55.0, 600L), (ahead.SecondsPerStep, ahead.PlannedAtSeconds, ahead.StepsAtPlan));
        Assert.True(ahead.PlannedSeconds <= 100 - TrainingPlan.ReserveSeconds(100, 55) + 1e-9, $"planned {ahead.PlannedSeconds} s");
        // Ten times faster than the plan's rate: sized at it, as far as the budget goes (56.05 s = 5,605 steps -> 5,905).
        Assert.Equal(5905, slower.Replan(300, 41, 0.01, 0).TotalSteps);
        // Evaluations still to come are paid for: at 8 s each, 7 more epochs (56 s) leave no step for the tenth, 6 do -> 9 epochs.
        Assert.Equal(855, slower.Replan(300, 41, 0.01, 8).TotalSteps);
        // Fewer than a twentieth of the 165 steps left (9) more: the plan stays, so it does not swing (81.2 s: 16.8 s
        // usable within the least reserve of 2 s = 168 steps -> 468); 9 more (80.55 s: 17.45 s = 174 steps) lengthen it.
        Assert.Same(slower, slower.Replan(300, 81.2, 0.1, 0));
        Assert.Equal(474, slower.Replan(300, 80.55, 0.1, 0).TotalSteps);
        // Inside the band between the reserve and the whole budget (projected 99.5 s, 98 s usable): neither shortened
        // nor lengthened.
        Assert.Same(slower, slower.Replan(300, 83, 0.1, 0));
        // A plan stored before re-planning could lengthen (no ceiling recorded) is never lengthened.
        var stored = slower with { MaxTotalSteps = 0, MaxEpochs = 0 };
        Assert.Same(stored, stored.Replan(300, 51, 0.1, 0));
        Assert.Same(stored, stored.Replan(300, 41, 0.01, 0));
    }

    [Fact]
    public void A_steady_run_is_lengthened_as_its_reserve_shrinks_and_ends_within_twice_its_least_reserve()
    {
        // A machine at exactly the measured rate, re-planned every twentieth of an epoch as the trainer does: with a
        // fixed 5 % reserve it ended 5 % early; with 5 % of the time left it is lengthened as the reserve shrinks and
        // ends within twice the least reserve (2 % of the budget), never past the budget.
        const double budget = 1000, perStep = 0.5, evaluation = 5, checkpoint = 0.5;
        const int stepsPerEpoch = 100;
        var plan = TrainingPlan.ForBudget(budget, 10, 20, perStep, evaluation, checkpoint, stepsPerEpoch, maxEpochs: 1000, warmupEpochs: 1);
        long first = plan.TotalSteps;
        double seconds = 10;
        long step = 20;
        int window = 0;
        while (step < plan.TotalSteps)
        {
            step++;
            seconds += perStep;
            if (step % stepsPerEpoch == 0 || step == plan.TotalSteps) seconds += evaluation + TrainingPlan.CheckpointsPerEpoch * checkpoint;
            if (++window >= TrainingPlan.LengtheningSteps(stepsPerEpoch) && step < plan.TotalSteps)
            {
                window = 0;
                plan = plan.Replan(step, seconds, perStep, evaluation + TrainingPlan.CheckpointsPerEpoch * checkpoint);
            }
        }
        Assert.True(plan.TotalSteps > first, $"lengthened from {first} to {plan.TotalSteps} steps");
        Assert.InRange(seconds, budget - 2 * TrainingPlan.ReserveSeconds(budget, budget), budget);
        // Each time by at least a twentieth of the steps left: a few re-plans, not one every few windows.
        Assert.InRange(plan.Replans, 1, 5);
    }

    [Fact]
    public void A_machine_that_got_clearly_faster_than_the_plan_gets_a_new_plan_up_to_the_most_epochs()
    {
        // 10 epochs of 95 steps at 0.1 s/step fill the 95 s of a 100 s budget; at most 12 epochs.
        var plan = TrainingPlan.ForBudget(100, 0, 0, 0.1, 0, 0, stepsPerEpoch: 95, maxEpochs: 12, warmupEpochs: 0);
        Assert.Equal((10, 950L, 950L), (plan.Epochs, plan.TotalSteps, plan.MaxTotalSteps));

        // 5 % faster (0.095 s/step at step 300, 28.5 s in): within the noise of a steady machine, sized at the plan's
        // rate: 67.925 s usable = 679 steps -> 979, 29 more, fewer than a twentieth of the 650 left (33): the plan stays.
        Assert.Same(plan, plan.Replan(300, 28.5, 0.095, 0));
        // 15 % faster from step 300 at 31 s: 65.55 s usable = 771 steps -> 1,071 = 11 whole epochs and 26 steps.
        var faster = plan.Replan(300, 31, 0.085, 0);
        Assert.Equal((12, 26, 1071L), (faster.Epochs, faster.StepsIn(11), faster.TotalSteps));
        Assert.Equal(1, faster.Replans);
        // The new plan is made for the new rate, from here: the next lengthening at a faster rate needs the machine faster than 0.085.
        Assert.Equal((0.085, 31.0, 300L, 1071L), (faster.SecondsPerStep, faster.PlannedAtSeconds, faster.StepsAtPlan, faster.MaxTotalSteps));
        Assert.Equal(31 + 771 * 0.085, faster.PlannedSeconds!.Value, 9);
        Assert.True(faster.PlannedSeconds <= 100 - TrainingPlan.ReserveSeconds(100, 31));
        // Epochs already evaluated when the new plan was made are not counted again: at 2 s an evaluation, epoch 5 ends
        // 2 evaluations (epochs 4 and 5) after step 300 in epoch 4.
        var withEvaluations = TrainingPlan.ForBudget(200, 0, 0, 0.1, 2, 0, stepsPerEpoch: 95, maxEpochs: 30, warmupEpochs: 0);
        var afterSpeedUp = withEvaluations.Replan(300, 40, 0.05, 0);
        Assert.Equal(300L, afterSpeedUp.StepsAtPlan);
        Assert.Equal(40 + (475 - 300) * 0.05 + 2 * 2, afterSpeedUp.PlannedSecondsAfterEvaluation(5)!.Value, 9);
        // Made on the last step of epoch 3 (285), before its evaluation: epoch 3's evaluation is still to come.
        var atEpochEnd = withEvaluations.Replan(285, 40, 0.05, 0);
        Assert.Equal(285L, atEpochEnd.StepsAtPlan);
        Assert.Equal(40 + 2, atEpochEnd.PlannedSecondsAfterEvaluation(3)!.Value, 9);
        // A first plan whose probe took the whole (shortened) epoch: its one evaluation is still to come.
        var spent = TrainingPlan.ForBudget(10, 30, 40, 0.5, 5, 1, stepsPerEpoch: 1000, maxEpochs: 100, warmupEpochs: 0);
        Assert.Equal(30 + 5, spent.PlannedSecondsAfterEvaluation(1)!.Value, 9);
        // Never more than the most epochs, however fast.
        Assert.Equal(12 * 95, plan.Replan(300, 31, 0.001, 0).TotalSteps);
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
