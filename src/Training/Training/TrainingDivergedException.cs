using System.Globalization;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Training stopped because a batch's loss was not finite (NaN or infinity). The step was not taken, so the
/// weights in memory, and any checkpoint, are those of the last good step.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the batch <paramref name="batch"/> (1-based) of epoch <paramref name="epoch"/> (1-based).</summary>
    public TrainingDivergedException(int epoch, int batch, long globalStep, double loss, double learningRate)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Training diverged: the loss is {loss} at epoch {epoch}, batch {batch} (optimiser step {globalStep + 1}, learning rate {learningRate:G4}); no step was taken with it. Lower the learning rate (--lr), add warm-up epochs (--warmup) or check the data."))
    {
        Epoch = epoch;
        Batch = batch;
        GlobalStep = globalStep;
        Loss = loss;
        LearningRate = learningRate;
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingDivergedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>The epoch (1-based) of the batch.</summary>
    public int Epoch { get; }

    /// <summary>The batch (1-based) within the epoch.</summary>
    public int Batch { get; }

    /// <summary>The global optimiser step (0-based) that was not taken.</summary>
    public long GlobalStep { get; }

    /// <summary>The loss value (NaN or infinite).</summary>
    public double Loss { get; }

    /// <summary>The learning rate in force.</summary>
    public double LearningRate { get; }
}
