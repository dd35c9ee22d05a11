using static TorchSharp.torch;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// What the <see cref="Trainer"/> minimises: the loss of one batch from the model's logits. The
/// trainer owns everything else (data, optimiser, schedule, evaluation, checkpoints, resume,
/// cancellation), so training from scratch and distilled fine-tuning run the same loop.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>
    /// A short description with the objective's settings (e.g. <c>cross-entropy (label smoothing 0.1)</c>);
    /// stored in the resume state so a run cannot be continued under another objective.
    /// </summary>
    string Description { get; }

    /// <summary>
    /// The scalar loss of one batch, averaged over the batch, differentiable with respect to
    /// <paramref name="logits"/>. Called inside the trainer's dispose scope: temporaries need no disposal.
    /// </summary>
    /// <param name="logits">[N, C] logits of the model being trained, on <paramref name="images"/>.</param>
    /// <param name="images">[N, channels, H, W] normalised input batch (a teacher runs on it).</param>
    /// <param name="targets">[N] class ids (int64).</param>
    Tensor Loss(Tensor logits, Tensor images, Tensor targets);
}
