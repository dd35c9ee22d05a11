using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests;

/// <summary>Proves the patched libLibTorchSharp.so loads on this machine and a model trains.</summary>
public sealed class TorchSharpLoadTests
{
    [Fact]
    public void TorchSharp_loads_and_one_sgd_step_lowers_the_loss()
    {
        torch.random.manual_seed(1);
        var model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2));
        var x = torch.randn(32, 4);
        using var zero = 0.0.ToScalar();
        var y = x[.., 0].gt(zero).to(ScalarType.Int64);
        // The training step's optimiser: TorchSharp's own SGD step makes Scalars nothing holds (docs/training.md).
        using var optimizer = new HeldScalarSgd(model.parameters(), 0.5, 0, 0, nesterov: false);
        var lossFn = nn.CrossEntropyLoss();
        float first = 0, last = 0;
        for (int step = 0; step < 20; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = lossFn.call(model.call(x), y);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first, $"loss did not fall: {first} -> {last}");
    }
}
