using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>One optimiser step, shared by <see cref="Trainer"/> and <see cref="TrainingThroughput"/> so the benchmark measures the real loop.</summary>
internal static class TrainingStep
{
    /// <summary>
    /// Forward, <paramref name="objective"/>'s loss, backward and update on one batch; adds the batch's summed loss and correct
    /// predictions to <paramref name="lossSum"/> and <paramref name="correct"/>. The loss is read back (a memory
    /// read on the CPU) and checked first: when it is not finite nothing is updated and false is returned, so the
    /// weights stay those of the last good step. Every temporary is freed before returning.
    /// </summary>
    /// <param name="model">The model, in training mode.</param>
    /// <param name="optimizer">Its optimiser.</param>
    /// <param name="objective">The loss to minimise.</param>
    /// <param name="images">The batch's images.</param>
    /// <param name="targets">The batch's labels.</param>
    /// <param name="lossSum">Running sum of per-image losses (float64, one element).</param>
    /// <param name="correct">Running count of correct predictions (int64, one element).</param>
    /// <param name="loss">The batch's mean loss.</param>
    /// <returns>False when the loss was not finite (no update made).</returns>
    public static bool Run(Module<Tensor, Tensor> model, OptimizerHelper optimizer, ITrainingObjective objective, Tensor images, Tensor targets,
        Tensor lossSum, Tensor correct, out double loss)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var logits = model.call(images);
        var batchLoss = objective.Loss(logits, images, targets);
        loss = batchLoss.item<float>();
        if (!double.IsFinite(loss))
            return false;
        batchLoss.backward();
        optimizer.step();
        using var noGrad = torch.no_grad();
        HeldScalars.AddScaledInPlace(lossSum, batchLoss.detach().to(ScalarType.Float64), targets.shape[0]);
        HeldScalars.AddInPlace(correct, logits.argmax(1).eq(targets).sum());
        return true;
    }

    /// <summary>
    /// Creates the optimiser <paramref name="o"/> asks for over the model's parameters: TorchSharp's SGD, Adam or
    /// AdamW with a step that keeps its scalars alive across libtorch calls (<see cref="HeldScalars"/>).
    /// </summary>
    public static OptimizerHelper CreateOptimizer(Module<Tensor, Tensor> model, TrainerOptions o) => o.Optimizer switch
    {
        OptimizerKind.Adam => new HeldScalarAdam(model.parameters(), o.LearningRate, o.WeightDecay),
        OptimizerKind.AdamW => new HeldScalarAdamW(model.parameters(), o.LearningRate, o.WeightDecay),
        _ => new HeldScalarSgd(model.parameters(), o.LearningRate, o.Momentum, o.WeightDecay, o.Nesterov),
    };
}
