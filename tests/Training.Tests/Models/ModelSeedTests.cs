using EdgeToolkit.Training.Models;
using TorchSharp;

namespace EdgeToolkit.Training.Tests.Models;

/// <summary>A fixed seed gives reproducible initial weights (the trainer's reproducible runs rely on it).</summary>
[Collection(nameof(ModelSeedTests))]
public sealed class ModelSeedTests
{
    [Theory]
    [InlineData("resnet20")]
    [InlineData("densenet-bc-40")]
    [InlineData("mobilenet_v1")]
    public void The_same_seed_builds_the_same_weights(string architecture)
    {
        var spec = new ModelSpec(architecture, 10, 1, 32);
        torch.random.manual_seed(5);
        using var a = ModelFactory.Create(spec);
        torch.random.manual_seed(5);
        using var b = ModelFactory.Create(spec);
        using var c = ModelFactory.Create(spec);
        var sb = b.state_dict();
        var sc = c.state_dict();
        foreach (var (key, value) in a.state_dict())
            Assert.True(torch.equal(value, sb[key]).all().item<bool>(), $"{key} differs under the same seed");
        string classifier = architecture.StartsWith("resnet", StringComparison.Ordinal) ? "fc.weight" : "classifier.weight";
        Assert.False(torch.equal(a.state_dict()[classifier], sc[classifier]).all().item<bool>(), "a model built without reseeding repeated the weights");
    }
}
