namespace EdgeToolkit.Training.Training;

/// <summary>
/// Where a run stands, stored as <c>state.json</c> in a resumable checkpoint: the schedule
/// position, best accuracy and the history of finished epochs, plus the running sums of an
/// epoch interrupted by Ctrl+C so it can continue mid-epoch.
/// </summary>
/// <param name="CompletedEpochs">Epochs fully trained and evaluated.</param>
/// <param name="GlobalStep">Optimiser steps taken so far (the learning-rate schedule position).</param>
/// <param name="BestAccuracy">Best test accuracy so far in [0, 1].</param>
/// <param name="BestEpoch">Epoch of <paramref name="BestAccuracy"/> (0 = none).</param>
/// <param name="Seed">Seed of the run; shuffling and augmentation of each epoch derive from it.</param>
/// <param name="Optimizer">Optimiser the state in <c>optimizer.bin</c> belongs to.</param>
/// <param name="History">Metrics of every completed epoch.</param>
public sealed record TrainingState(
    int CompletedEpochs,
    long GlobalStep,
    double BestAccuracy,
    int BestEpoch,
    int Seed,
    OptimizerKind Optimizer,
    IReadOnlyList<EpochMetrics> History)
{
    /// <summary>Batches already trained in epoch <c>CompletedEpochs + 1</c> when the run was interrupted (0 = at an epoch boundary).</summary>
    public int PartialBatches { get; init; }

    /// <summary>Sum of per-image losses over the partial epoch's batches.</summary>
    public double PartialLossSum { get; init; }

    /// <summary>Correct training predictions in the partial epoch.</summary>
    public long PartialCorrect { get; init; }

    /// <summary>Training images seen in the partial epoch.</summary>
    public long PartialImages { get; init; }

    /// <summary>Training seconds spent in the partial epoch.</summary>
    public double PartialSeconds { get; init; }

    /// <summary>The run's plan (epochs, steps, warm-up; with a time budget, what it was sized from); null before a budgeted run has measured its steps.</summary>
    public TrainingPlan? Plan { get; init; }

    /// <summary>Wall seconds the run has taken so far, over all its resumed parts.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary><see cref="ITrainingObjective.Description"/> of the run (null in checkpoints written before objectives were recorded).</summary>
    public string? Objective { get; init; }
}
