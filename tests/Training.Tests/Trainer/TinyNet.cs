using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Tests.Trainer;

/// <summary>
/// A very small CNN so trainer tests run in seconds. Its BatchNorm runs through <see cref="BatchNormCalls"/>, as the
/// toolkit's models do: TorchSharp's own <c>BatchNorm.forward</c> hands libtorch temporary scalars that a garbage
/// collection on another thread can free mid-call (a CI run failed in a trainer test with "Expected false to be true"
/// from <c>Scalar::toLong</c>; docs/training.md, "Scalars held across libtorch calls").
/// </summary>
internal sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Module<Tensor, Tensor> classifier;

    public TinyNet(int numClasses, int inputChannels) : base("tiny")
    {
        features = Sequential(
            Conv2d(inputChannels, 8, 3, padding: 1, bias: false), BatchNorm2d(8), ReLU(),
            AdaptiveAvgPool2d(2), Flatten());
        classifier = Linear(8 * 2 * 2, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var f = BatchNormCalls.Forward(features, input);
        return classifier.call(f);
    }
}
