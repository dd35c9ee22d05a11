using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// A view of a classifier that predicts with <see cref="TestTimeAugmentation.Flip"/>: the mean of its logits on
/// the NCHW batch and on the batch mirrored along the width. It does not own the classifier (disposing the view
/// leaves it intact) and forwards train/eval to it. The ONNX exporter writes the same computation into the graph
/// (Slice with step -1, Concat on the batch, Reshape, ReduceMean) and is verified against this view.
/// </summary>
public sealed class FlipAveraged : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> classifier;

    /// <summary>Wraps <paramref name="classifier"/> (not registered as a child, so this view never disposes it).</summary>
    public FlipAveraged(Module<Tensor, Tensor> classifier) : base(nameof(FlipAveraged))
    {
        this.classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
        base.train(classifier.training);
    }

    /// <summary>The view for <paramref name="augmentation"/>: <paramref name="classifier"/> itself for <see cref="TestTimeAugmentation.None"/>.</summary>
    public static Module<Tensor, Tensor> Apply(Module<Tensor, Tensor> classifier, TestTimeAugmentation augmentation) => augmentation switch
    {
        TestTimeAugmentation.None => classifier,
        TestTimeAugmentation.Flip => new FlipAveraged(classifier),
        _ => throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, "unknown test-time augmentation"),
    };

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var mirrored = input.flip(3);
        var mean = HeldScalars.MultiplyInPlace(HeldScalars.Add(classifier.call(input), classifier.call(mirrored)), 0.5);
        return mean.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override void train(bool on = true)
    {
        base.train(on);
        classifier.train(on);
    }
}
