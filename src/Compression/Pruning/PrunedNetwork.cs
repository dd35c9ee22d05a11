using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>The result of one width cut: the pruned network (owned, disposed with this), its spec and plan, and its accuracy right after the cut.</summary>
public sealed class PrunedNetwork : IDisposable
{
    /// <summary>Wraps a cut's result.</summary>
    public PrunedNetwork(MobileNetV1 model, ModelSpec spec, WidthPruningPlan plan, double? accuracyAfterCut, double? accuracyRecalibrated)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        Plan = plan ?? throw new ArgumentNullException(nameof(plan));
        AccuracyAfterCut = accuracyAfterCut;
        AccuracyRecalibrated = accuracyRecalibrated;
    }

    /// <summary>The pruned network in eval mode (BatchNorm recalibrated when the cut asked for it).</summary>
    public MobileNetV1 Model { get; }

    /// <summary>Its spec (alpha, and the channel plan when non-uniform).</summary>
    public ModelSpec Spec { get; }

    /// <summary>Which channels were kept.</summary>
    public WidthPruningPlan Plan { get; }

    /// <summary>Top-1 right after the cut with the source's BatchNorm statistics (null when not evaluated).</summary>
    public double? AccuracyAfterCut { get; }

    /// <summary>Top-1 right after the cut and the BatchNorm recalibration (null when not evaluated or not recalibrated).</summary>
    public double? AccuracyRecalibrated { get; }

    /// <summary>The accuracy the network has now: recalibrated when it was, else right after the cut.</summary>
    public double? Accuracy => AccuracyRecalibrated ?? AccuracyAfterCut;

    /// <summary>Disposes the network.</summary>
    public void Dispose() => Model.Dispose();
}
