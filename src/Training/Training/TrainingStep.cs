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
    /// predictions to <paramref name="lossSum"/> and <paramref name="correct"/> without reading them
    /// back (no synchronisation per step). Every temporary is freed before returning.
    /// </summary>
    public static void Run(Module<Tensor, Tensor> model, OptimizerHelper optimizer, ITrainingObjective objective, Tensor images, Tensor targets,
        Tensor lossSum, Tensor correct)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var logits = model.call(images);
        var loss = objective.Loss(logits, images, targets);
        loss.backward();
        optimizer.step();
        using var noGrad = torch.no_grad();
        lossSum.add_(loss.detach().to(ScalarType.Float64), alpha: targets.shape[0]);
        correct.add_(logits.argmax(1).eq(targets).sum());
    }

    /// <summary>Creates the optimiser <paramref name="o"/> asks for over the model's parameters.</summary>
    public static OptimizerHelper CreateOptimizer(Module<Tensor, Tensor> model, TrainerOptions o) => o.Optimizer switch
    {
        OptimizerKind.Adam => torch.optim.Adam(model.parameters(), o.LearningRate, weight_decay: o.WeightDecay),
        OptimizerKind.AdamW => torch.optim.AdamW(model.parameters(), o.LearningRate, weight_decay: o.WeightDecay),
        _ => torch.optim.SGD(model.parameters(), o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay, nesterov: o.Nesterov),
    };
}
