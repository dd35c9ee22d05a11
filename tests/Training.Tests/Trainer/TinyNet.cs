using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Tests.Trainer;

/// <summary>A very small CNN so trainer tests run in seconds.</summary>
internal sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> features;
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
        using var f = features.call(input);
        return classifier.call(f);
    }
}
