using System.Text.Json.Serialization;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// How long a run trains: epochs, optimiser steps per epoch and warm-up steps, which fix the
/// learning-rate schedule. Without a time budget it follows <see cref="TrainerOptions"/>; with
/// <see cref="TrainerOptions.TimeBudget"/> the <see cref="Trainer"/> measures the first steps, an
/// evaluation and a checkpoint, and <see cref="ForBudget"/> sizes the run to end within the budget.
/// Stored in <c>state.json</c>, so a resumed run keeps it.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>
    /// Fraction of the time left kept in reserve against slower steps than measured (<see cref="ReserveSeconds"/>): a
    /// projection's error grows with the time it spans, and every re-plan measures again, so the reserve shrinks as the
    /// run goes on. Measured with a reserve of 5 % of the whole budget: 30-minute DenseNet-BC-40 runs ended 96 s and
    /// 146 s before their budget (2026-12-03, docs/benchmarks.md).
    /// </summary>
    public const double SafetyMargin = 0.05;

    /// <summary>
    /// The least reserve, as a fraction of the whole budget (36 s of 30 minutes): room for a slow last re-planning window
    /// (a twentieth of an epoch), a slow final evaluation, and a recent rate that lags a lasting slowdown (replayed in
    /// <c>RecentStepRateTests</c>: twice as slow from a fifth of the run on, the run shortened on a lagging rate ends at
    /// the budget, not past it).
    /// </summary>
    public const double MinimumReserve = 0.02;

    /// <summary>
    /// Seconds of <paramref name="budgetSeconds"/> a plan made at <paramref name="elapsedSeconds"/> leaves unplanned:
    /// <see cref="SafetyMargin"/> of the time left, at least <see cref="MinimumReserve"/> of the budget.
    /// </summary>
    public static double ReserveSeconds(double budgetSeconds, double elapsedSeconds) =>
        Math.Max(SafetyMargin * Math.Max(0, budgetSeconds - elapsedSeconds), MinimumReserve * budgetSeconds);

    /// <summary>Checkpoints written per evaluated epoch in the worst case (<c>last</c> and <c>best</c>); an epoch without an evaluation writes <c>last</c> only.</summary>
    public const int CheckpointsPerEpoch = 2;

    /// <summary>
    /// Epochs between evaluations on the test set (<see cref="TrainerOptions.EvaluateEvery"/>): 1 = every epoch, N = every
    /// Nth, 0 = the last only; the last epoch is always evaluated. 1 in plans stored before it was recorded.
    /// </summary>
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>Whether epoch <paramref name="epoch"/> (0-based) of this plan ends with an evaluation (<see cref="EvaluateEvery"/>).</summary>
    public bool Evaluates(int epoch) => Evaluates(epoch, Epochs, EvaluateEvery);

    /// <summary>Whether epoch <paramref name="epoch"/> (0-based) of <paramref name="epochs"/> ends with an evaluation when evaluating every <paramref name="every"/> epochs (0 = the last only).</summary>
    public static bool Evaluates(int epoch, int epochs, int every) =>
        epoch >= epochs - 1 || every == 1 || (every > 1 && (epoch + 1) % every == 0);

    /// <summary>
    /// Seconds spent after the steps of epochs <paramref name="from"/> to <paramref name="to"/> - 1 (0-based) of a plan of
    /// <paramref name="epochs"/>: <paramref name="evaluatedEpochSeconds"/> (an evaluation and <see cref="CheckpointsPerEpoch"/>
    /// checkpoints) after each evaluated epoch, one checkpoint (<c>last</c>) after the others.
    /// </summary>
    private static double OverheadSeconds(int from, int to, int epochs, int every, double evaluatedEpochSeconds, double checkpointSeconds)
    {
        from = Math.Max(0, from);
        if (to <= from) return 0;
        // Evaluated: every epoch, or epochs e with (e + 1) a multiple of every, and the last.
        long evaluated = every == 1 ? to - from : every > 1 ? to / every - from / every : 0;
        if (epochs - 1 >= from && epochs - 1 < to && every != 1 && (every == 0 || epochs % every != 0)) evaluated++;
        return evaluated * evaluatedEpochSeconds + (to - from - evaluated) * checkpointSeconds;
    }

    /// <summary>Epochs to train.</summary>
    public required int Epochs { get; init; }

    /// <summary>Optimiser steps (batches) per epoch; at most the loader's batches per epoch.</summary>
    public required int StepsPerEpoch { get; init; }

    /// <summary>Steps of the last epoch (fewer than <see cref="StepsPerEpoch"/> when a run fell behind its budget and was shortened; 0 = a whole epoch).</summary>
    public int LastEpochSteps { get; init; }

    /// <summary>Steps of linear warm-up at the start of the schedule.</summary>
    public required long WarmupSteps { get; init; }

    /// <summary>Steps of the whole schedule.</summary>
    [JsonIgnore]
    public long TotalSteps => (long)(Epochs - 1) * StepsPerEpoch + StepsIn(Epochs - 1);

    /// <summary>The plan's size in words: "9 epochs of 469 steps", with ", the last of 300" when the last epoch is shorter.</summary>
    [JsonIgnore]
    public string Shape => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Epochs} epochs of {StepsPerEpoch} steps{(StepsIn(Epochs - 1) < StepsPerEpoch ? $", the last of {StepsIn(Epochs - 1)}" : "")}");

    /// <summary>Steps of epoch <paramref name="epoch"/> (0-based).</summary>
    public int StepsIn(int epoch) => epoch < Epochs - 1 || LastEpochSteps <= 0 ? StepsPerEpoch : LastEpochSteps;

    /// <summary>The wall-clock budget in seconds (null = the plan follows the options).</summary>
    public double? BudgetSeconds { get; init; }

    /// <summary>Measured wall seconds per training step (data loading included).</summary>
    public double SecondsPerStep { get; init; }

    /// <summary>Estimated seconds of one evaluation on the test set.</summary>
    public double EvaluationSeconds { get; init; }

    /// <summary>Measured seconds of one checkpoint save.</summary>
    public double CheckpointSeconds { get; init; }

    /// <summary>Wall seconds of the run when the plan was made.</summary>
    public double PlannedAtSeconds { get; init; }

    /// <summary>Steps already taken when the plan was made.</summary>
    public long StepsAtPlan { get; init; }

    /// <summary>Times the plan was re-sized because the machine's speed changed (shortened when the run fell behind its budget, lengthened again when it got ahead).</summary>
    public int Replans { get; init; }

    /// <summary>
    /// The total of the plan made from the first measurements, or of the last plan made because the machine got
    /// clearly faster (<see cref="FasterThreshold"/>): the most steps re-planning may lengthen a plan stored without
    /// <see cref="MaxEpochs"/> to; 0 = the current total, as in plans stored before re-planning could lengthen.
    /// </summary>
    public long MaxTotalSteps { get; init; }

    /// <summary>
    /// The most epochs the run may have (<see cref="TrainerOptions.Epochs"/>), the limit of lengthening; 0 in plans
    /// stored before it was recorded (never lengthened past <see cref="MaxTotalSteps"/>).
    /// </summary>
    public int MaxEpochs { get; init; }

    /// <summary>
    /// Wall seconds the first plan (<see cref="ForBudget"/>) expected for the whole run, kept through re-plans: the
    /// planned time the final report sets against the actual one (<see cref="PlannedSecondsAtStart"/>). Null in plans
    /// stored before it was recorded.
    /// </summary>
    public double? FirstPlannedSeconds { get; init; }

    /// <summary>
    /// What the run was planned to take when it started (<see cref="FirstPlannedSeconds"/>, else
    /// <see cref="PlannedSeconds"/>; null without a budget). Why not <see cref="PlannedSeconds"/> at the end: a
    /// shortened plan keeps the first plan's rate (the 10 %-faster test compares against it), so after shortenings it
    /// is the fewer steps at a rate the machine no longer ran at, far below the real time (measured: "planned 1348 s,
    /// took 1741 s" for a 30-minute run planned at 1,709 s that ended within its budget).
    /// </summary>
    [JsonIgnore]
    public double? PlannedSecondsAtStart => BudgetSeconds is null ? null : FirstPlannedSeconds ?? PlannedSeconds;

    /// <summary>
    /// How much faster than <see cref="SecondsPerStep"/> the recent rate must be for re-planning to size the run at it
    /// (and to take it as the plan's rate): a machine that sped up for good, not the noise of a steady one (the spread
    /// of a 20-window mean on this host is a few per cent).
    /// </summary>
    public const double FasterThreshold = 0.10;

    /// <summary>The plan of a run without a budget, evaluated every <paramref name="evaluateEvery"/> epochs (<see cref="EvaluateEvery"/>).</summary>
    public static TrainingPlan Fixed(int epochs, int stepsPerEpoch, int warmupEpochs, int evaluateEvery = 1) => new()
    {
        Epochs = epochs,
        StepsPerEpoch = stepsPerEpoch,
        LastEpochSteps = stepsPerEpoch,
        WarmupSteps = (long)warmupEpochs * stepsPerEpoch,
        EvaluateEvery = RequireEvaluateEvery(evaluateEvery),
    };

    /// <summary>
    /// Sizes a run to end within <paramref name="budgetSeconds"/> (less <see cref="ReserveSeconds"/>):
    /// as many whole epochs as fit, at most <paramref name="maxEpochs"/>, each costing its steps plus
    /// an evaluation and <see cref="CheckpointsPerEpoch"/> checkpoints when it is evaluated
    /// (<paramref name="evaluateEvery"/>; the last always is) and one checkpoint when not, and one shorter last epoch in
    /// what they leave when at least <see cref="LengtheningSteps"/> fit in it (measured: a 30-minute ResNet-20
    /// plan of 3 whole epochs left 415 s of the budget unused); when not even one epoch fits, one shortened
    /// epoch. The steps already taken count toward the first epoch. Warm-up is
    /// <paramref name="warmupEpochs"/> epochs, at most a fifth of the schedule.
    /// </summary>
    /// <param name="budgetSeconds">The whole run's wall-clock budget.</param>
    /// <param name="elapsedSeconds">Wall seconds already spent (probe steps, measurements).</param>
    /// <param name="stepsDone">Steps already taken (in the first epoch).</param>
    /// <param name="secondsPerStep">Measured seconds per step.</param>
    /// <param name="evaluationSeconds">Estimated seconds of one evaluation.</param>
    /// <param name="checkpointSeconds">Measured seconds of one checkpoint save.</param>
    /// <param name="stepsPerEpoch">Batches of a full epoch.</param>
    /// <param name="maxEpochs">Upper bound of the epochs (<see cref="TrainerOptions.Epochs"/>).</param>
    /// <param name="warmupEpochs">Warm-up epochs asked for.</param>
    /// <param name="evaluateEvery">Epochs between evaluations (<see cref="EvaluateEvery"/>: 0 = the last only).</param>
    /// <exception cref="ArgumentOutOfRangeException">A measurement is negative or not finite, or a count is not positive.</exception>
    public static TrainingPlan ForBudget(double budgetSeconds, double elapsedSeconds, long stepsDone, double secondsPerStep,
        double evaluationSeconds, double checkpointSeconds, int stepsPerEpoch, int maxEpochs, int warmupEpochs, int evaluateEvery = 1)
    {
        RequireEvaluateEvery(evaluateEvery);
        RequirePositive(budgetSeconds, nameof(budgetSeconds));
        RequireNonNegative(elapsedSeconds, nameof(elapsedSeconds));
        RequirePositive(secondsPerStep, nameof(secondsPerStep));
        RequireNonNegative(evaluationSeconds, nameof(evaluationSeconds));
        RequireNonNegative(checkpointSeconds, nameof(checkpointSeconds));
        ArgumentOutOfRangeException.ThrowIfNegative(stepsDone);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);

        double usable = budgetSeconds - ReserveSeconds(budgetSeconds, elapsedSeconds);
        double perEpochOverhead = evaluationSeconds + CheckpointsPerEpoch * checkpointSeconds;
        double available = usable - elapsedSeconds + stepsDone * secondsPerStep; // for the steps of whole epochs and what follows them
        double Cost(int epochs) => epochs * (stepsPerEpoch * secondsPerStep)
            + OverheadSeconds(0, epochs, epochs, evaluateEvery, perEpochOverhead, checkpointSeconds);
        // Every epoch evaluated: the costs are equal, so the count is the quotient; otherwise the most whole epochs
        // whose cost fits (the cost grows with the count, and the count is at most maxEpochs).
        int epochs = evaluateEvery == 1
            ? (int)Math.Clamp(Math.Floor(available / (stepsPerEpoch * secondsPerStep + perEpochOverhead)), 0, maxEpochs)
            : MostThatFit(available, maxEpochs, Cost);
        int steps = stepsPerEpoch, last = stepsPerEpoch;
        if (epochs == 0)
        {
            epochs = 1;
            double more = Math.Floor((usable - elapsedSeconds - perEpochOverhead) / secondsPerStep);
            steps = last = (int)Math.Clamp(stepsDone + Math.Max(0, more), Math.Max(1, stepsDone), stepsPerEpoch);
        }
        else if (epochs < maxEpochs)
        {
            // What the whole epochs leave: one more, shorter epoch when at least the re-planning step fits in it
            // (with its evaluation and checkpoints; the epoch before it is then no longer the last), so the budget is
            // used, not left to the first re-plan.
            double left = available - epochs * stepsPerEpoch * secondsPerStep
                - OverheadSeconds(0, epochs + 1, epochs + 1, evaluateEvery, perEpochOverhead, checkpointSeconds);
            long more = (long)Math.Floor(Math.Max(0, left) / secondsPerStep);
            if (more >= LengtheningSteps(stepsPerEpoch))
            {
                epochs++;
                last = (int)Math.Min(more, stepsPerEpoch);
            }
        }
        long total = (long)(epochs - 1) * steps + last;
        var plan = new TrainingPlan
        {
            Epochs = epochs,
            StepsPerEpoch = steps,
            LastEpochSteps = last,
            WarmupSteps = Math.Min((long)warmupEpochs * steps, total / 5),
            BudgetSeconds = budgetSeconds,
            SecondsPerStep = secondsPerStep,
            EvaluationSeconds = evaluationSeconds,
            CheckpointSeconds = checkpointSeconds,
            PlannedAtSeconds = elapsedSeconds,
            StepsAtPlan = stepsDone,
            MaxTotalSteps = total,
            MaxEpochs = maxEpochs,
            EvaluateEvery = evaluateEvery,
        };
        return plan with { FirstPlannedSeconds = plan.PlannedSeconds };
    }

    /// <summary>The largest count in [0, <paramref name="most"/>] whose <paramref name="cost"/> is at most <paramref name="available"/> (the cost grows with the count).</summary>
    private static int MostThatFit(double available, int most, Func<int, double> cost)
    {
        int low = 0, high = most;
        while (low < high)
        {
            int mid = low + (high - low + 1) / 2;
            if (cost(mid) <= available) low = mid;
            else high = mid - 1;
        }
        return low;
    }

    /// <summary>
    /// Planned wall seconds from the start of the run to the end of epoch <paramref name="epoch"/>'s
    /// evaluation (of its steps when it is not evaluated; null without a budget).
    /// </summary>
    public double? PlannedSecondsAfterEvaluation(int epoch)
    {
        if (BudgetSeconds is null) return null;
        // Epochs evaluated and saved before the plan was made (their time is in PlannedAtSeconds): a plan made on an
        // epoch's last step comes before that epoch's evaluation.
        int done = StepsAtPlan > 0 ? (int)((StepsAtPlan - 1) / StepsPerEpoch) : 0;
        double evaluations = 0, checkpoints = 0;
        for (int e = done; e < epoch; e++)
        {
            bool evaluated = Evaluates(e);
            if (evaluated) evaluations += EvaluationSeconds;
            if (e < epoch - 1) checkpoints += (evaluated ? CheckpointsPerEpoch : 1) * CheckpointSeconds;
        }
        return PlannedAtSeconds + (Math.Min((long)epoch * StepsPerEpoch, TotalSteps) - StepsAtPlan) * SecondsPerStep
            + evaluations + checkpoints;
    }

    /// <summary>Planned wall seconds of the whole run, checkpoints included (null without a budget).</summary>
    [JsonIgnore]
    public double? PlannedSeconds => PlannedSecondsAfterEvaluation(Epochs) + CheckpointsPerEpoch * CheckpointSeconds;

    /// <summary>
    /// With <paramref name="stepsDone"/> steps taken at <paramref name="elapsedSeconds"/>, the plan
    /// re-sized so that the rest, with <paramref name="epochOverheadSeconds"/> (measured after the last evaluated epoch)
    /// per remaining evaluation with its checkpoints and one checkpoint per remaining epoch without one, ends within the budget less its reserve (<see cref="ReserveSeconds"/> of the time left), the
    /// schedule laid over the new total so it still reaches its end.
    /// Shortened (fewer epochs and, when needed, a shorter last one of at least <see cref="LengtheningSteps"/> unless it
    /// is the epoch in progress) when the projection at <paramref name="secondsPerStep"/> (the recent rate) passes the
    /// whole budget; lengthened, up to <see cref="MaxEpochs"/>, when at least <see cref="LengtheningSteps"/> more fit and
    /// at least a twentieth (<see cref="SafetyMargin"/>) of the steps left, so a steady run is re-sized a few times, not
    /// every window:
    /// after a shortening when the machine got faster again (measured: a 30-minute run shortened four times at load 12
    /// ended 230 s early), and as the reserve shrinks with the time left (measured with a fixed 5 % reserve: 30-minute
    /// DenseNet runs ended 96 s and 146 s early).
    /// Lengthening is sized at the plan's rate (<see cref="SecondsPerStep"/>), or the recent one when that is slower:
    /// bursts only slow a machine, and a recent rate a few per cent faster is the noise of a steady one. Only when the
    /// recent rate is at least <see cref="FasterThreshold"/> faster is the run sized at it, and the new plan is made for
    /// that rate (its <see cref="SecondsPerStep"/>, <see cref="MaxTotalSteps"/> and the point it was made at).
    /// Measured without that: a 30-minute ResNet-20 run planned 3 epochs at 139 images/s, ran its second at 276 and,
    /// held to the first plan, ended after 955 s. The band between the reserve and the whole budget keeps the plan
    /// from swinging back and forth. Plans stored before <see cref="MaxEpochs"/> was recorded are never lengthened past
    /// <see cref="MaxTotalSteps"/>. The same plan otherwise, or without a budget. At least one more step is kept.
    /// </summary>
    public TrainingPlan Replan(long stepsDone, double elapsedSeconds, double secondsPerStep, double epochOverheadSeconds)
    {
        if (BudgetSeconds is not double budget || stepsDone >= TotalSteps) return this;
        int current = (int)(stepsDone / StepsPerEpoch); // the epoch in progress (0-based), or the next one at a boundary
        double overhead = Math.Max(epochOverheadSeconds, EvaluationSeconds + CheckpointsPerEpoch * CheckpointSeconds);
        double projected = elapsedSeconds + (TotalSteps - stepsDone) * secondsPerStep
            + OverheadSeconds(current, Epochs, Epochs, EvaluateEvery, overhead, CheckpointSeconds);
        bool faster = MaxEpochs > 0 && secondsPerStep <= SecondsPerStep * (1 - FasterThreshold);
        double rate = faster ? secondsPerStep : Math.Max(secondsPerStep, SecondsPerStep);
        long ceiling = MaxEpochs > 0 ? Math.Max((long)MaxEpochs * StepsPerEpoch, TotalSteps) : Math.Max(MaxTotalSteps, TotalSteps);
        bool behind = projected > budget;
        if (!behind && TotalSteps >= ceiling) return this;

        double usable = budget - ReserveSeconds(budget, elapsedSeconds);
        long total = stepsDone + 1;
        int mostEpochs = (int)((ceiling + StepsPerEpoch - 1) / StepsPerEpoch);
        for (int epochs = mostEpochs; epochs > current; epochs--)
        {
            double left = usable - elapsedSeconds - OverheadSeconds(current, epochs, epochs, EvaluateEvery, overhead, CheckpointSeconds);
            long fit = stepsDone + (long)Math.Max(0, Math.Floor(left / rate));
            long candidate = Math.Min(Math.Min(fit, (long)epochs * StepsPerEpoch), ceiling);
            long tail = candidate - (long)(epochs - 1) * StepsPerEpoch;
            // A later last epoch shorter than the re-planning step costs a whole evaluation for a few steps (measured: a
            // 30-minute MobileNet run was shortened to "8 epochs, the last of 2"): one epoch fewer instead. The epoch in
            // progress may end short: it is already under way.
            if (tail > 0 && candidate > stepsDone && (epochs == current + 1 || tail >= LengtheningSteps(StepsPerEpoch)))
            {
                total = candidate;
                break;
            }
        }
        // Lengthened by at least a twentieth of an epoch and a twentieth of the steps left: the reserve shrinks a little
        // every window, and re-sizing for each few steps freed would re-lay the schedule a few dozen times a run.
        long least = Math.Max(LengtheningSteps(StepsPerEpoch), (long)Math.Ceiling(SafetyMargin * (TotalSteps - stepsDone)));
        if (behind ? total >= TotalSteps : total < TotalSteps + least) return this;
        int newEpochs = (int)((total + StepsPerEpoch - 1) / StepsPerEpoch);
        var resized = this with
        {
            Epochs = newEpochs,
            LastEpochSteps = (int)(total - (long)(newEpochs - 1) * StepsPerEpoch),
            Replans = Replans + 1,
        };
        if (total < TotalSteps) return resized; // shortened: the plan's rate and the point it was made at stay
        // Lengthened: the plan is made again from here, so its planned time is this point plus the rest at the plan's
        // rate, within the budget. Kept at the old point, a run lengthened while its steps ran a few per cent faster than
        // the plan's rate reported "planned 10.0 s" of an 8 s budget. Clearly faster: at the new rate, with a new ceiling.
        return resized with
        {
            SecondsPerStep = faster ? secondsPerStep : SecondsPerStep,
            PlannedAtSeconds = elapsedSeconds,
            StepsAtPlan = stepsDone,
            MaxTotalSteps = faster ? total : MaxTotalSteps,
        };
    }

    /// <summary>
    /// The fewest steps a plan is lengthened by (a twentieth of an epoch, at least 1): smaller gains do not move the
    /// schedule, and neither the first plan nor a re-plan adds a shorter last epoch below this size (a re-plan may
    /// still end the epoch in progress short).
    /// </summary>
    public static long LengtheningSteps(int stepsPerEpoch) => Math.Max(1, stepsPerEpoch / 20);

    private static int RequireEvaluateEvery(int evaluateEvery)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(evaluateEvery);
        return evaluateEvery;
    }

    private static void RequirePositive(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive number.");
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!(double.IsFinite(value) && value >= 0))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more.");
    }
}
