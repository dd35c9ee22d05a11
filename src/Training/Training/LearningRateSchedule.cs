namespace EdgeToolkit.Training.Training;

/// <summary>
/// The learning rate as a pure function of the global step, so a resumed run continues the
/// schedule exactly: linear warm-up, then cosine or step decay.
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly TrainerOptions _options;
    private readonly int _stepsPerEpoch;

    /// <summary>Creates the schedule for a run with <paramref name="stepsPerEpoch"/> optimiser steps per epoch.</summary>
    public LearningRateSchedule(TrainerOptions options, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (stepsPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "steps per epoch must be at least 1 (is the training set empty?)");
        _options = options;
        _stepsPerEpoch = stepsPerEpoch;
    }

    /// <summary>Learning rate for the optimiser step <paramref name="globalStep"/> (0-based, counted over all epochs).</summary>
    public double At(long globalStep)
    {
        double baseLr = _options.LearningRate;
        long warmupSteps = (long)_options.WarmupEpochs * _stepsPerEpoch;
        if (globalStep < warmupSteps)
            return baseLr * (globalStep + 1) / warmupSteps;

        switch (_options.Schedule)
        {
            case LearningRateScheduleKind.Step:
            {
                int epoch = (int)(globalStep / _stepsPerEpoch);
                return baseLr * Math.Pow(_options.Gamma, (epoch - _options.WarmupEpochs) / _options.StepSize);
            }
            default:
            {
                long total = (long)_options.Epochs * _stepsPerEpoch - warmupSteps;
                if (total <= 0) return baseLr;
                double progress = Math.Min(1.0, (double)(globalStep - warmupSteps) / total);
                return baseLr * 0.5 * (1 + Math.Cos(Math.PI * progress));
            }
        }
    }
}
