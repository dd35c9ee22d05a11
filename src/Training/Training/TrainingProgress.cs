namespace EdgeToolkit.Training.Training;

/// <summary>A batch-level progress report of a <see cref="Trainer"/>.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs of the run (with a time budget, its upper bound until the first steps have planned the run).</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training loss of this epoch so far.</param>
/// <param name="ImagesPerSecond">Training throughput of this epoch so far.</param>
/// <param name="Eta">Estimated time to the end of the run (training, excluding evaluation; with a time budget, what is left of it until the run is planned).</param>
/// <param name="LearningRate">Current learning rate.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double ImagesPerSecond, TimeSpan Eta, double LearningRate);
