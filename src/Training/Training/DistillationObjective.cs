using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Knowledge distillation from a teacher network: <see cref="DistillationLoss"/> between the
/// student's logits and the teacher's on the same batch. The teacher runs forward only, in eval
/// mode and without gradients; its weights never change. The caller keeps ownership of the teacher.
/// </summary>
public sealed class DistillationObjective : ITrainingObjective
{
    private readonly Module<Tensor, Tensor> _teacher;

    /// <summary>Creates the objective and puts <paramref name="teacher"/> in eval mode.</summary>
    /// <param name="teacher">The network whose soft targets the student learns.</param>
    /// <param name="weight">Weight w of the distillation term, in [0, 1].</param>
    /// <param name="temperature">Softmax temperature T, positive.</param>
    /// <exception cref="ArgumentException">weight or temperature out of range (the message names it).</exception>
    public DistillationObjective(Module<Tensor, Tensor> teacher, double weight, double temperature)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        Distillation = new DistillationLoss(weight, temperature);
        _teacher = teacher;
        _teacher.eval();
    }

    /// <summary>The loss in force (weight and temperature).</summary>
    public DistillationLoss Distillation { get; }

    /// <inheritdoc/>
    public string Description =>
        string.Create(CultureInfo.InvariantCulture, $"distillation (weight {Distillation.Weight}, temperature {Distillation.Temperature})");

    /// <inheritdoc/>
    public Tensor Loss(Tensor logits, Tensor images, Tensor targets)
    {
        if (Distillation.Weight == 0)
            return Distillation.Compute(logits, logits, targets);
        Tensor teacherLogits;
        using (torch.no_grad()) teacherLogits = _teacher.call(images);
        return Distillation.Compute(logits, teacherLogits, targets);
    }
}
