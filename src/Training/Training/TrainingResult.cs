namespace EdgeToolkit.Training.Training;

/// <summary>The outcome of <see cref="Trainer.Train(TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, Models.ModelSpec, Data.ImageDataset, Data.ImageDataset, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
/// <param name="History">Metrics of every completed epoch (including those of a resumed-from run).</param>
/// <param name="BestAccuracy">Best test accuracy in [0, 1].</param>
/// <param name="BestEpoch">Epoch of the best accuracy (0 = none).</param>
/// <param name="LastCheckpoint">Folder of the resumable <c>last</c> checkpoint.</param>
/// <param name="BestCheckpoint">Folder of the <c>best</c> checkpoint (null if no epoch finished).</param>
/// <param name="Interrupted">True when cancellation stopped the run before the last epoch; <c>last</c> then resumes mid-epoch.</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochMetrics> History,
    double BestAccuracy,
    int BestEpoch,
    string LastCheckpoint,
    string? BestCheckpoint,
    bool Interrupted)
{
    /// <summary>The plan the run followed (with a time budget: what it was sized from).</summary>
    public TrainingPlan? Plan { get; init; }

    /// <summary>Wall seconds the run took, over all its resumed parts.</summary>
    public double WallSeconds { get; init; }

    /// <summary>
    /// Test accuracy of the last epoch, which a run that was not interrupted always evaluates (whatever
    /// <see cref="TrainerOptions.EvaluateEvery"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">No epoch completed, or the last completed one was not evaluated (an interrupted run).</exception>
    public double FinalAccuracy => History.Count > 0 && History[^1].TestAccuracy is double accuracy ? accuracy
        : throw new InvalidOperationException($"The run's last completed epoch ({History.Count}) was not evaluated: it was interrupted; resume it from {LastCheckpoint}.");

    /// <summary>Epochs completed so far.</summary>
    public int CompletedEpochs => History.Count;
}
