using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Training;

/// <summary>Cross-entropy with the labels, optionally label-smoothed: the default objective of a <see cref="Trainer"/>.</summary>
public sealed class CrossEntropyObjective : ITrainingObjective
{
    /// <summary>Creates the objective.</summary>
    /// <param name="labelSmoothing">Label smoothing in [0, 1).</param>
    /// <exception cref="ArgumentException">labelSmoothing is out of range.</exception>
    public CrossEntropyObjective(double labelSmoothing = 0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"label smoothing must be in [0, 1) but was {labelSmoothing}."), nameof(labelSmoothing));
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Label smoothing in [0, 1).</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    public string Description => LabelSmoothing == 0
        ? "cross-entropy"
        : string.Create(CultureInfo.InvariantCulture, $"cross-entropy (label smoothing {LabelSmoothing})");

    /// <inheritdoc/>
    public Tensor Loss(Tensor logits, Tensor images, Tensor targets) =>
        nn.functional.cross_entropy(logits, targets, label_smoothing: LabelSmoothing);
}
