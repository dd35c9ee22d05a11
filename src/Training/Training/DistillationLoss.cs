using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Knowledge-distillation loss (Hinton et al., 2015):
/// <c>(1 - w) * CE(student, labels) + w * T^2 * KL(softmax(teacher / T) || softmax(student / T))</c>,
/// the KL term averaged over the batch. The T^2 factor keeps the soft term's gradients on the
/// scale of the hard term's when T changes.
/// </summary>
public sealed class DistillationLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Weight w of the distillation term, in [0, 1]; 0 = plain cross-entropy.</param>
    /// <param name="temperature">Softmax temperature T, positive.</param>
    /// <exception cref="ArgumentException">weight or temperature out of range (the message names it).</exception>
    public DistillationLoss(double weight, double temperature)
    {
        if (!(weight >= 0 && weight <= 1))
            throw new ArgumentException($"distillation weight must be in [0, 1] but was {weight}.", nameof(weight));
        if (!(temperature > 0 && double.IsFinite(temperature)))
            throw new ArgumentException($"distillation temperature must be a positive number but was {temperature}.", nameof(temperature));
        Weight = weight;
        Temperature = temperature;
    }

    /// <summary>Weight w of the distillation term.</summary>
    public double Weight { get; }

    /// <summary>Softmax temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The loss for one batch. <paramref name="teacherLogits"/> is detached (no gradient flows into the teacher).</summary>
    /// <param name="studentLogits">[N, C] logits of the network being trained.</param>
    /// <param name="teacherLogits">[N, C] logits of the teacher on the same inputs.</param>
    /// <param name="labels">[N] class ids (int64).</param>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        if (!studentLogits.shape.SequenceEqual(teacherLogits.shape))
            throw new ArgumentException($"student logits [{string.Join(", ", studentLogits.shape)}] and teacher logits [{string.Join(", ", teacherLogits.shape)}] differ in shape.", nameof(teacherLogits));
        using var scope = torch.NewDisposeScope();
        var hard = nn.functional.cross_entropy(studentLogits, labels);
        if (Weight == 0)
            return hard.MoveToOuterDisposeScope();
        var soft = SoftTerm(studentLogits, teacherLogits, Temperature);
        var loss = HeldScalars.Add(HeldScalars.Multiply(hard, 1 - Weight), HeldScalars.Multiply(soft, Weight * Temperature * Temperature));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary><c>KL(softmax(teacher / T) || softmax(student / T))</c>, averaged over the batch.</summary>
    public static Tensor SoftTerm(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        var logQ = nn.functional.log_softmax(HeldScalars.Divide(studentLogits, temperature), 1);
        var logP = nn.functional.log_softmax(HeldScalars.Divide(teacherLogits.detach(), temperature), 1);
        var kl = (logP.exp() * (logP - logQ)).sum(1).mean();
        return kl.MoveToOuterDisposeScope();
    }
}
