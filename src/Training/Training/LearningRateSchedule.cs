namespace EdgeToolkit.Training.Training;

/// <summary>
/// The learning rate as a pure function of the global step, so a resumed run continues the
/// schedule exactly: linear warm-up, then cosine or step decay over the <see cref="TrainingPlan"/>'s
/// steps (cosine reaches zero at the plan's last step).
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly TrainerOptions _options;
    private readonly TrainingPlan _plan;

    /// <summary>Creates the schedule for a run of <see cref="TrainerOptions.Epochs"/> epochs of <paramref name="stepsPerEpoch"/> optimiser steps.</summary>
    public LearningRateSchedule(TrainerOptions options, int stepsPerEpoch)
        : this(options, TrainingPlan.Fixed(options?.Epochs ?? 1, CheckSteps(stepsPerEpoch), options?.WarmupEpochs ?? 0))
    {
    }

    /// <summary>Creates the schedule for the run <paramref name="plan"/> describes.</summary>
    public LearningRateSchedule(TrainerOptions options, TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);
        CheckSteps(plan.StepsPerEpoch);
        _options = options;
        _plan = plan;
    }

    /// <summary>Learning rate for the optimiser step <paramref name="globalStep"/> (0-based, counted over all epochs).</summary>
    public double At(long globalStep)
    {
        double baseLr = _options.LearningRate;
        if (_options.Schedule == LearningRateScheduleKind.OneCycle)
            return OneCycle(baseLr, globalStep, _plan.TotalSteps);
        long warmupSteps = _plan.WarmupSteps;
        if (globalStep < warmupSteps)
            return baseLr * (globalStep + 1) / warmupSteps;

        switch (_options.Schedule)
        {
            case LearningRateScheduleKind.MultiStep:
            {
                long epoch = globalStep / _plan.StepsPerEpoch;
                int passed = _options.Milestones.Count(m => epoch >= m);
                return baseLr * Math.Pow(_options.Gamma, passed);
            }
            case LearningRateScheduleKind.Step:
            {
                long warmupEpochs = warmupSteps / _plan.StepsPerEpoch;
                long epoch = globalStep / _plan.StepsPerEpoch;
                return baseLr * Math.Pow(_options.Gamma, (epoch - warmupEpochs) / _options.StepSize);
            }
            default:
            {
                long span = _plan.TotalSteps - warmupSteps;
                if (span <= 0) return baseLr;
                double progress = Math.Min(1.0, (double)(globalStep - warmupSteps) / span);
                return baseLr * 0.5 * (1 + Math.Cos(Math.PI * progress));
            }
        }
    }

    /// <summary>Fraction of the steps spent rising in <see cref="LearningRateScheduleKind.OneCycle"/>.</summary>
    public const double OneCycleRise = 0.3;

    /// <summary>PyTorch's OneCycleLR (anneal_strategy cos, div_factor 25, final_div_factor 1e4, three_phase false).</summary>
    private static double OneCycle(double peak, long step, long totalSteps)
    {
        double initial = peak / 25, final = initial / 1e4;
        double riseEnd = OneCycleRise * totalSteps - 1, end = totalSteps - 1;
        if (step <= riseEnd)
            return Anneal(initial, peak, riseEnd <= 0 ? 1 : step / riseEnd);
        return Anneal(peak, final, end <= riseEnd ? 1 : Math.Min(1.0, (step - riseEnd) / (end - riseEnd)));
    }

    private static double Anneal(double start, double end, double progress) =>
        end + (start - end) / 2 * (Math.Cos(Math.PI * progress) + 1);

    private static int CheckSteps(int stepsPerEpoch)
    {
        if (stepsPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "steps per epoch must be at least 1 (is the training set empty?)");
        return stepsPerEpoch;
    }
}
