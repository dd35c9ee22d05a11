using EdgeToolkit.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Models;

/// <summary>Every architecture the factory knows produces [batch, classes] logits and trains.</summary>
// Seeds libtorch and sets its thread count (global state): alone, not beside other libtorch tests.
[Collection(EdgeToolkit.Training.Tests.Trainer.TorchGlobalStateCollection.Name)]
public sealed class ModelShapeTests
{
    public static TheoryData<string, int> ArchitecturesAndChannels()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in ModelFactory.Architectures)
        {
            // DenseNet-BC-100 is the slowest; one forward is enough (densenet-bc-40 covers 1 channel).
            if (name != "densenet-bc-100") data.Add(name, 1);
            data.Add(name, 3);
        }
        return data;
    }

    [Fact]
    public void Every_architecture_is_covered()
    {
        var covered = ArchitecturesAndChannels().Select(row => (string)row[0]).Distinct();
        Assert.Equal(ModelFactory.Architectures.Order(), covered.Order());
    }

    [Theory]
    [MemberData(nameof(ArchitecturesAndChannels))]
    public void Batch_of_two_32x32_images_gives_one_logit_row_per_image(string architecture, int channels)
    {
        torch.random.manual_seed(7);
        using var model = ModelFactory.Create(new ModelSpec(architecture, 7, channels, 32));
        model.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var logits = model.call(torch.randn(2, channels, 32, 32));
        Assert.Equal([2L, 7L], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
        Assert.False(torch.equal(logits[0], logits[1]).all().item<bool>(), "different images gave identical logits");
    }

    [Theory]
    [InlineData("mobilenet_v1", 28)]
    [InlineData("mobilenet_v1", 8)]
    [InlineData("mobilenet_v1", 96)]
    [InlineData("resnet20", 28)]
    [InlineData("densenet-bc-40", 28)]
    [InlineData("resnet18", 8)]
    public void Other_input_sizes_run(string architecture, int size)
    {
        using var model = ModelFactory.Create(new ModelSpec(architecture, 5, 1, size, architecture == "mobilenet_v1" ? 0.25 : 1.0));
        model.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Assert.Equal([3L, 5L], model.call(torch.randn(3, 1, size, size)).shape);
    }

    [Theory]
    [InlineData("resnet20")]
    [InlineData("resnet18")]
    [InlineData("densenet-bc-40")]
    [InlineData("mobilenet_v1")]
    public void A_training_step_reaches_every_parameter(string architecture)
    {
        // In-place ReLUs and the residual add_ must leave autograd intact. DenseNet's case used to give a non-finite
        // gradient now and then: oneDNN's input gradient for its 12-channel 3x3 convolutions (DenseNetGradientTests).
        torch.random.manual_seed(3);
        using var model = ModelFactory.Create(new ModelSpec(architecture, 4, 1, 16, architecture == "mobilenet_v1" ? 0.25 : 1.0));
        model.train();
        using var scope = torch.NewDisposeScope();
        var loss = nn.functional.cross_entropy(model.call(torch.randn(4, 1, 16, 16)), torch.tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
        Assert.Contains(model.named_parameters(), np => np.parameter.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Weights_are_initialised_like_torchvision()
    {
        torch.random.manual_seed(11);
        using var model = new MobileNetV1(10, 1.0, 3, 32);
        var sd = model.state_dict();
        Assert.Equal(1f, sd["features.3.bn2.weight"].mean().item<float>());
        Assert.Equal(0f, sd["features.3.bn2.bias"].abs().sum().item<float>());
        Assert.Equal(0f, sd["classifier.bias"].abs().sum().item<float>());
        Assert.InRange(sd["classifier.weight"].std().item<float>(), 0.009f, 0.011f);
        // Kaiming normal, fan_out, ReLU: std = sqrt(2 / (Cout * k * k)); pointwise 128->256 => sqrt(2/256).
        Assert.InRange(sd["features.4.pointwise.weight"].std().item<float>(), 0.083f, 0.094f);
    }
}
